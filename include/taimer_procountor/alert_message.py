"""The alert a failed or partial run sends, built from its ``FlowSummary`` (Airflow-free; ``airflow/alerts.py``
sends it).

Subject: ``[Taimer ⇄ Procountor] <headline>``. Body (HTML, as Airflow's SMTP notifier sends it): the headline, the
run, the root cause of a failure (the code's text without its fix: a transient code's "the run retries" no longer
holds once the retries are spent), the errors with their catalogue text and where to fix them, the notices, the
per-kind counts table, and links to the run on the report page and in Airflow. Every text goes through ``redact``
and is HTML-escaped, so no registered secret and no markup from the data reaches the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from taimer_procountor.errors import lookup
from taimer_procountor.redaction import redact
from taimer_procountor.summary import FlowSummary, Outcome, Problem

SUBJECT_PREFIX = "[Taimer ⇄ Procountor]"
MAX_LISTED = 20  # errors and notices listed one by one; the rest are counted (the report page has them all)
ALERT_OUTCOMES = frozenset({Outcome.PARTIAL, Outcome.FAILED})


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    html: str


def needs_alert(summary: FlowSummary) -> bool:
    """A run alerts when it failed or needs a person (partial); a clean run stays quiet."""
    return summary.outcome in ALERT_OUTCOMES


def _t(value: object) -> str:
    return escape(redact("" if value is None else value))


def _catalogue_text(code: str, *, with_fix: bool = True) -> str:
    entry = lookup(code)
    return f"{entry.en} Fix ({entry.fix_where.value}): {entry.fix_en}" if with_fix else entry.en


def counts_table_html(summary: FlowSummary) -> str:
    """The per-kind table (kinds × the columns any kind filled), as the report page draws it."""
    columns = summary.columns()
    if not summary.kinds or not columns:
        return "<p>No counts recorded.</p>"
    head = "".join(f"<th>{_t(c)}</th>" for c in columns)
    rows = "".join(
        f"<tr><th>{_t(row.kind)}</th>" + "".join(f"<td>{row.get(c)}</td>" for c in columns) + "</tr>"
        for row in summary.kinds
    )
    return f'<table border="1" cellpadding="4"><tr><th>kind</th>{head}</tr>{rows}</table>'


def _problems_html(title: str, problems: tuple[Problem, ...], explain: bool) -> str:
    if not problems:
        return ""
    items = []
    for p in problems[:MAX_LISTED]:
        text = f" — {_t(_catalogue_text(p.code))}" if explain else ""
        items.append(f"<li><code>{_t(p.code)}</code> [{_t(p.where)}] {_t(p.detail)}{text}</li>")
    more = f"<li>… and {len(problems) - MAX_LISTED} more</li>" if len(problems) > MAX_LISTED else ""
    return f"<h3>{title} ({len(problems)})</h3><ul>{''.join(items)}{more}</ul>"


def build_alert(summary: FlowSummary, *, report_url: str, run_url: str | None = None) -> AlertMessage:
    """The message for one run. ``report_url``: the run on the report page; ``run_url``: the run in Airflow."""
    headline = redact(summary.headline())
    parts = [
        f"<h2>{escape(headline)}</h2>",
        f"<p>DAG <code>{_t(summary.dag_id)}</code>, run <code>{_t(summary.run_id)}</code></p>",
    ]
    if summary.failed_steps:
        causes = "".join(
            f"<li>task <code>{_t(f.task_id)}</code> failed after {f.attempts} attempt(s): <code>{_t(f.code)}</code> "
            f"{_t(f.detail)} — {_t(_catalogue_text(f.code, with_fix=False))}</li>"
            for f in summary.failed_steps
        )
        parts.append(f"<h3>Root cause</h3><ul>{causes}</ul>")
    parts.append(_problems_html("Errors", summary.errors, explain=True))
    parts.append(_problems_html("Notices", summary.notices, explain=False))
    parts.append("<h3>Counts</h3>" + counts_table_html(summary))
    links = [f'<a href="{escape(report_url, quote=True)}">The run on the Taimer ⇄ Procountor report page</a>']
    if run_url:
        links.append(f'<a href="{escape(run_url, quote=True)}">The run in Airflow</a>')
    parts.append("<p>" + "<br>".join(links) + "</p>")
    return AlertMessage(subject=f"{SUBJECT_PREFIX} {headline}", html="".join(p for p in parts if p))
