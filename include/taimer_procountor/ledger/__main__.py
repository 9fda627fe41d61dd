"""``python -m taimer_procountor.ledger migrate|current|history [--url URL]``.

Without ``--url`` the URL comes from ``$TAIMER_PROCOUNTOR_LEDGER_URL``, else the default SQLite file
``$AIRFLOW_HOME/taimer_procountor_ledger.sqlite`` (the same default the Airflow connection helper uses).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sqlalchemy.engine import make_url


def default_url() -> str:
    env = os.environ.get("TAIMER_PROCOUNTOR_LEDGER_URL")
    if env:
        return env
    home = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow")
    return f"sqlite:///{home / 'taimer_procountor_ledger.sqlite'}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m taimer_procountor.ledger", description="The sync ledger.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_ in (
        ("migrate", "upgrade the ledger to the newest schema (idempotent)"),
        ("current", "print the ledger's schema revision"),
        ("history", "list the migrations"),
    ):
        p = sub.add_parser(name, help=help_)
        if name != "history":
            p.add_argument("--url", default=None, help="SQLAlchemy URL (default: %(default)s -> see module doc)")
        if name == "migrate":
            p.add_argument("--revision", default="head")
    args = parser.parse_args(argv)

    from taimer_procountor.ledger.migrate import current, head, history, migrate

    if args.command == "history":
        for step in history():
            print(f"{step.down_revision or '<base>'} -> {step.revision}{' (head)' if step.is_head else ''}: {step.doc}")
        return 0
    url = args.url or default_url()
    shown = make_url(url).render_as_string(hide_password=True)
    if args.command == "migrate":
        rev = migrate(url, args.revision)
        print(f"ledger at {shown}: {rev} (head {head()})")
    else:
        rev = current(url)
        print(f"ledger at {shown}: {rev or '<empty>'}{' (head)' if rev == head() else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
