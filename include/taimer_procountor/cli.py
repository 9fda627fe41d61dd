"""``taimer-procountor``: the product's command line (the console script of ``pyproject.toml``).

    taimer-procountor migrate [--url URL] [--revision REV]    upgrade the sync ledger's schema (idempotent)
    taimer-procountor report [--url URL] [--flow F] [--runs N] [--lang fi|en] [--json]
                                                              the latest run report of each flow, from the ledger
    taimer-procountor catalogue [--markdown] [--lang fi|en]   the error catalogue (every code, what to fix where)

The ledger is ``--url``, else ``$TAIMER_PROCOUNTOR_LEDGER_URL``, else the Airflow connection
``taimer_procountor_ledger`` (docs/ledger.md), else ``$AIRFLOW_HOME/taimer_procountor_ledger.sqlite``. ``report``
opens it read-only. Seeding the sandboxes and the demo belong to the sandboxes, which the product package does not
ship: ``python -m sandboxes.seed`` and ``python -m sandboxes.demo``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from taimer_procountor.redaction import RedactingFormatter, redact, register_secret

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from taimer_procountor.ledger import Ledger
    from taimer_procountor.ledger.models import FlowRun
    from taimer_procountor.summary import FlowSummary

LEDGER_URL_ENV = "TAIMER_PROCOUNTOR_LEDGER_URL"
EPILOG = (
    "Seeding the sandboxes and the demo are not part of the product package: run `python -m sandboxes.seed --help` "
    "and `python -m sandboxes.demo` from a checkout (make demo). Docs: README.md, docs/ledger.md, docs/ui.md."
)


def ledger_url(explicit: str | None) -> URL:
    """The ledger's URL by the rules of the module doc; its password is registered as a secret."""
    from sqlalchemy.engine import make_url

    raw = explicit or os.environ.get(LEDGER_URL_ENV)
    if raw:
        url = make_url(raw)
    else:
        try:
            from taimer_procountor.airflow.ledger_connection import ledger_url as from_airflow
        except ImportError:  # the product without Airflow installed: the ledger command line's own default
            from taimer_procountor.ledger.__main__ import default_url

            url = make_url(default_url())
        else:
            url = from_airflow()
            _configure_logging()  # Airflow set up its own logging on first use: back to ours
    register_secret(url.password if isinstance(url.password, str) else None)
    return url


# ------------------------------------------------------------------------------------------------------- migrate
def cmd_migrate(args: argparse.Namespace, out: TextIO) -> int:
    from taimer_procountor.ledger.migrate import head, migrate

    url = ledger_url(args.url)
    revision = migrate(url, args.revision)
    out.write(f"ledger at {url.render_as_string(hide_password=True)}: {revision} (head {head()})\n")
    return 0


# ------------------------------------------------------------------------------------------------------- report
def _summary_of(run: FlowRun) -> FlowSummary | None:
    """The run's ``FlowSummary`` when its stored counts are one (every flow's report task stores it), else None."""
    from taimer_procountor.summary import FlowSummary

    counts = run.counts or {}
    if not isinstance(counts, dict) or "flow" not in counts or "outcome" not in counts:
        return None
    try:
        return FlowSummary.from_json(counts)
    except (KeyError, TypeError, ValueError):
        return None


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in cells]


def _describe_run(run: FlowRun, lang: str) -> list[str]:
    from taimer_procountor.errors import describe

    when = run.started_at.isoformat(sep=" ", timespec="seconds") if run.started_at else "?"
    took = f", {run.duration_seconds:.1f} s" if run.duration_seconds is not None else ""
    lines = [f"{run.flow}: {run.status} · dag {run.dag_id} · run {run.run_id} · started {when} UTC{took}"]
    summary = _summary_of(run)
    if summary is not None:
        lines.append(f"  {summary.headline()}")
        columns = summary.columns()
        if summary.kinds and columns:
            rows = [[k.kind, *(k.get(c) for c in columns)] for k in summary.kinds]
            lines.extend("  " + line for line in _table(["kind", *columns], rows))
        for step in summary.failed_steps:
            lines.append(f"  failed step {step.task_id}: {step.code} {describe(step.code, lang)}")
        for problem in summary.errors:
            where = f" [{problem.where}{'.' + problem.field if problem.field else ''}]"
            lines.append(f"  {problem.code}{where}: {describe(problem.code, lang)}")
        for notice in summary.notices:
            lines.append(f"  notice {notice.code}: {describe(notice.code, lang)}")
    else:
        if run.counts:  # a record written before FlowSummary: its counts as stored
            lines.append("  counts " + json.dumps(run.counts, sort_keys=True, ensure_ascii=False, default=str))
        for error in run.errors or []:
            code = error.get("code") if isinstance(error, dict) else None
            if code:
                lines.append(f"  {code}: {describe(str(code), lang)}")
    return lines


def _latest_runs(ledger: Ledger, flow: str | None, per_flow: int) -> list[FlowRun]:
    """The newest ``per_flow`` runs of each flow (of ``flow`` only, if given), flows in name order."""
    recent = ledger.runs.recent(flow=flow, limit=1000)
    flows = sorted({run.flow for run in recent})
    return [run for name in flows for run in ledger.runs.recent(flow=name, limit=per_flow)]


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from taimer_procountor.ledger import connect
    from taimer_procountor.report_ui.readonly import read_only_url

    url = ledger_url(args.url)
    if url.get_backend_name() == "sqlite" and url.database and not os.path.exists(url.database):
        out.write(f"no ledger at {url.database} yet: run a sync DAG (or `taimer-procountor migrate`) first\n")
        return 1
    ledger = connect(read_only_url(url))
    try:
        runs = _latest_runs(ledger, args.flow, args.runs)
    finally:
        ledger.dispose()
    if args.json:
        payload = [
            {
                "flow": r.flow,
                "dag_id": r.dag_id,
                "run_id": r.run_id,
                "status": str(r.status),
                "started_at": r.started_at.isoformat() if r.started_at else None,
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "summary": summary.to_json() if (summary := _summary_of(r)) is not None else None,
                "counts": None if _summary_of(r) is not None else r.counts,
                "errors": r.errors or [],
            }
            for r in runs
        ]
        out.write(redact(json.dumps(payload, ensure_ascii=False, indent=2, default=str)) + "\n")
        return 0
    if not runs:
        out.write("the ledger holds no runs yet\n")
        return 0
    lines: list[str] = []
    for run in runs:
        lines.extend([*_describe_run(run, args.lang), ""])
    out.write(redact("\n".join(lines)))
    return 0


# ------------------------------------------------------------------------------------------------------- catalogue
def cmd_catalogue(args: argparse.Namespace, out: TextIO) -> int:
    from taimer_procountor.errors import CATALOGUE
    from taimer_procountor.errors.catalogue import catalogue_markdown

    if args.markdown:  # the same page as docs/error-catalogue.md
        out.write(catalogue_markdown())
        return 0
    entries = [CATALOGUE[code] for code in sorted(CATALOGUE)]
    for e in entries:
        text, fix = (e.fi, e.fix_fi) if args.lang == "fi" else (e.en, e.fix_en)
        retry = ", retryable" if e.retryable else ""
        out.write(f"{e.code} [{e.fix_where.value}{retry}]\n    {text}\n    -> {fix}\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="taimer-procountor",
        description="The Taimer ⇄ Procountor sync: its ledger, its run reports and its error catalogue.",
        epilog=EPILOG,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{migrate,report,catalogue}")
    url_help = f"SQLAlchemy URL of the ledger (default: ${LEDGER_URL_ENV}, else the Airflow connection)"

    migrate = sub.add_parser("migrate", help="upgrade the sync ledger to the newest schema (idempotent)", epilog=EPILOG)
    migrate.add_argument("--url", help=url_help)
    migrate.add_argument("--revision", default="head", help="target revision (default: %(default)s)")
    migrate.set_defaults(run=cmd_migrate)

    report = sub.add_parser("report", help="print the latest run report of each flow", epilog=EPILOG)
    report.add_argument("--url", help=url_help)
    report.add_argument("--flow", help="only this flow (e.g. reference_sync)")
    report.add_argument("--runs", type=int, default=1, help="runs per flow, newest first (default: %(default)s)")
    report.add_argument("--lang", choices=("fi", "en"), default="en", help="language of the error texts")
    report.add_argument("--json", action="store_true", help="JSON instead of text")
    report.set_defaults(run=cmd_report)

    catalogue = sub.add_parser("catalogue", help="print the error catalogue", epilog=EPILOG)
    catalogue.add_argument(
        "--markdown", action="store_true", help="the Markdown page with both languages (docs/error-catalogue.md)"
    )
    catalogue.add_argument("--lang", choices=("fi", "en"), default="en", help="language of the plain listing")
    catalogue.set_defaults(run=cmd_catalogue)
    return parser


def _configure_logging() -> None:
    """Warnings and errors only, on stderr (stdout is the command's output), redacted."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging()
    if getattr(args, "runs", 1) < 1:
        build_parser().error("--runs must be at least 1")
    out = out or sys.stdout
    # The command's output goes to ``out`` alone: anything else printing to stdout (Airflow's and Alembic's log
    # setup does) is sent to stderr, so that `report --json` stays parseable.
    with contextlib.redirect_stdout(sys.stderr):
        return int(args.run(args, out))


if __name__ == "__main__":
    raise SystemExit(main())
