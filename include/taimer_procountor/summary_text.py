"""What a person reads about a run, built from its ``FlowSummary``: the run note in Airflow's UI, the log line, and
the fix text of a step that failed. Airflow-free (``airflow/run_note.py`` puts the note on the DAG run).

A transient error that outlasted every retry still failed the run, so its catalogue fix ("nothing to do: the run
retries") would mislead: ``fix_text`` says instead what to do now (check the service, then clear the task).
"""

from __future__ import annotations

import logging

from taimer_procountor.errors.entry import ErrorEntry, FixWhere
from taimer_procountor.summary import FlowSummary, Outcome

# Airflow keeps a DAG run's note in a 1000-character column (``dag_run_note.content``).
NOTE_MAX_CHARS = 1000

FAILED_TRANSIENT_FIX = {
    "en": "It outlasted every retry, so the run failed: check that the service is reachable (its status, the "
    "connection's host), then clear the failed task in Airflow to run it again.",
    "fi": "Vika jatkui kaikkien uusintayritysten ajan, joten ajo epäonnistui: tarkista, että palvelu on "
    "tavoitettavissa (sen tila, yhteyden osoite), ja tyhjennä (clear) epäonnistunut tehtävä Airflow'ssa, jotta se "
    "ajetaan uudelleen.",
}

REPORT_LINK_TEXT = "Taimer ⇄ Procountor report"
OUTCOME_MARKS = {Outcome.SUCCESS: "✅", Outcome.PARTIAL: "⚠️", Outcome.FAILED: "❌"}


def fix_text(entry: ErrorEntry, lang: str, *, failed_step: bool) -> str:
    """The entry's fix in ``lang``; for a transient code that failed a step after its retries, what to do now."""
    if failed_step and entry.fix_where is FixWhere.TRANSIENT:
        return FAILED_TRANSIENT_FIX[lang]
    return entry.fix_fi if lang == "fi" else entry.fix_en


def log_level(summary: FlowSummary) -> int:
    """WARNING for a partial or failed run (so it stands out in the task log), INFO for a clean one."""
    return logging.INFO if summary.outcome is Outcome.SUCCESS else logging.WARNING


def note_markdown(summary: FlowSummary, *, report_url: str) -> str:
    """The DAG run's note (Markdown, as Airflow's UI renders notes): a first line with the outcome's mark, a link to
    the run on the report page and the headline (Airflow's run page shows only that line until the note is opened),
    then the root cause of a failed run, the steps that did not run and the first errors. At most
    ``NOTE_MAX_CHARS`` (the first line comes first, so a cut keeps it)."""
    first = f"{OUTCOME_MARKS[summary.outcome]} [{REPORT_LINK_TEXT}]({report_url}) · **{summary.headline()}**"
    lines = [first, ""]
    for f in summary.failed_steps:
        tries = f"after {f.attempts} attempts" if f.attempts > 1 else "on its first attempt"
        lines.append(f"- Root cause: task `{f.task_id}` failed {tries}: `{f.code}` {f.detail or ''}".rstrip())
    if summary.did_not_run:
        lines.append(f"- Did not run (upstream failed): {', '.join(f'`{t}`' for t in summary.did_not_run)}")
    for e in summary.errors[:3]:
        lines.append(f"- `{e.code}` [{e.where}] {e.detail or ''}".rstrip())
    if len(summary.errors) > 3:
        lines.append(f"- … and {len(summary.errors) - 3} more error(s)")
    if summary.notices:
        lines.append(f"- {len(summary.notices)} notice(s), first `{summary.notices[0].code}`")
    body = "\n".join(lines).rstrip()
    if len(body) > NOTE_MAX_CHARS:
        body = body[: NOTE_MAX_CHARS - 2].rstrip() + " …"
    return body
