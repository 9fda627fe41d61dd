"""Serve the report UI without Airflow: ``python -m taimer_procountor.report_ui --ledger-url URL --port N``.

The ledger URL defaults to ``$TAIMER_PROCOUNTOR_LEDGER_URL``, else the same SQLite default as the ledger's own
command line; it is opened read-only (``taimer_procountor.report_ui.readonly``). No authentication: it binds to
127.0.0.1 unless told otherwise; put it behind something that authenticates before exposing it anywhere else.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from taimer_procountor.report_ui.app import LedgerUnavailable, create_app


def _default_url() -> str:
    env = os.environ.get("TAIMER_PROCOUNTOR_LEDGER_URL")
    if env:
        return env
    home = Path(os.environ.get("AIRFLOW_HOME", Path.home() / "airflow")).expanduser()
    return f"sqlite:///{home / 'taimer_procountor_ledger.sqlite'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taimer_procountor.report_ui", description=__doc__.splitlines()[0])
    parser.add_argument("--ledger-url", default=None, help="SQLAlchemy URL of the ledger (default: %(default)s)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8788)
    args = parser.parse_args(argv)

    import uvicorn

    from taimer_procountor.ledger import Ledger, connect
    from taimer_procountor.redaction import register_secret
    from taimer_procountor.report_ui.readonly import read_only_url

    url = make_url(args.ledger_url or _default_url())
    register_secret(url.password if isinstance(url.password, str) else None)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        print(f"no ledger at {url.database} yet: the page will say so", file=sys.stderr)
    ledgers: list[Ledger] = []

    def provider():
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            raise LedgerUnavailable(f"no ledger file at {url.database} yet (run a sync DAG first)")
        if not ledgers:
            ledgers.append(connect(read_only_url(url)))
        return ledgers[0]

    print(f"report UI on http://{args.host}:{args.port}/ over {url!r}", file=sys.stderr)
    uvicorn.run(create_app(provider), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
