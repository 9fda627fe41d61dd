"""``python -m sandboxes.procountor --host 127.0.0.1 --port N [--fixture file.json] [--rate N] [--token-ttl S]``."""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from sandboxes.procountor.app import create_app
from sandboxes.procountor.settings import ProcountorSandboxSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.procountor", description="Procountor API sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--fixture", type=Path, help="dataset JSON (ProcountorDataset); default: built-in company")
    parser.add_argument("--rate", type=int, help="requests per second per client (0 = no limit)")
    parser.add_argument("--token-ttl", type=int, help="access token lifetime in seconds")
    args = parser.parse_args(argv)
    settings = ProcountorSandboxSettings.from_env(
        fixture_path=args.fixture, rate_per_second=args.rate, token_ttl_seconds=args.token_ttl
    )
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
