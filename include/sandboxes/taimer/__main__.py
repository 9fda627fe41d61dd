"""``python -m sandboxes.taimer --host 127.0.0.1 --port 8701 [--fixture dataset.json] [--api-key KEY]``."""

from __future__ import annotations

import argparse

import uvicorn

from sandboxes.taimer.app import create_app
from sandboxes.taimer.settings import TaimerSandboxSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.taimer", description="Local Taimer REST sandbox")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument(
        "--fixture", help="TaimerDataset JSON to start with (default: $TAIMER_SANDBOX_FIXTURE or the built-in one)"
    )
    parser.add_argument("--api-key", help="API key to accept (default: $TAIMER_SANDBOX_API_KEY or taimer-sandbox-key)")
    args = parser.parse_args(argv)
    settings = TaimerSandboxSettings()
    if args.fixture:
        settings.fixture_path = args.fixture
    if args.api_key:
        settings.api_key = args.api_key
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
