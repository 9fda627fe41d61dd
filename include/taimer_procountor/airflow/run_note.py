"""The run's note in Airflow's UI: a partial or failed sync is visible at a glance in the grid and on the run's page,
with its headline, its root cause and a link to the report page.

Every flow's ``report`` task calls ``publish_run_note(summary)``. Airflow 3.3's Task SDK has no call that sets the
DAG run's note (``RuntimeTaskInstance.update_dagrun_note`` comes with apache/airflow#69403, after 3.3), and tasks
have no metadata-database access, so the note travels in two steps:

1. the report task builds the text (``summary_text.note_markdown``), logs the headline (WARNING when partial or
   failed) and pushes the text as the XCom ``RUN_NOTE_XCOM_KEY``;
2. when the run ends, the plugin's DAG-run listener (``plugins/taimer_procountor_ui.py``, which runs where the run's
   state is decided: the scheduler, or the ``dag.test()`` process) calls ``copy_note_to_run(dag_run)``, which sets
   that text as the run's note. A note a person wrote by hand is never replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from taimer_procountor.redaction import get_logger
from taimer_procountor.summary import FlowSummary
from taimer_procountor.summary_text import OUTCOME_MARKS, log_level, note_markdown

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun

RUN_NOTE_XCOM_KEY = "taimer_procountor_run_note"
REPORT_PATH = "taimer-procountor/"  # the plugin's mount point (plugins/taimer_procountor_ui.py), relative to base_url

log = get_logger(__name__)


def airflow_root_path() -> str:
    """The path Airflow's UI is served under (``[api] base_url``'s path, "" at the root), without a trailing slash:
    links written for a person keep working behind a reverse proxy's sub-path."""
    from airflow.configuration import conf

    return urlsplit(conf.get("api", "base_url", fallback="") or "").path.rstrip("/")


def report_url(summary: FlowSummary) -> str:
    """The report page (host-relative, so the note works whatever host name the UI is opened with), at this run."""
    anchor = quote(f"run-{summary.dag_id}-{summary.run_id}", safe="")
    return f"{airflow_root_path()}/{REPORT_PATH}?lang=en#{anchor}"


def publish_run_note(summary: FlowSummary) -> str:
    """In a report task: log the run's headline and hand its note to the listener (see the module's docstring)."""
    from airflow.sdk import get_current_context

    note = note_markdown(summary, report_url=report_url(summary))
    log.log(log_level(summary), "%s", summary.headline())
    get_current_context()["ti"].xcom_push(key=RUN_NOTE_XCOM_KEY, value=note)
    return note


def _ours(note: str | None) -> bool:
    return not note or note.startswith(tuple(OUTCOME_MARKS.values()))


def copy_note_to_run(dag_run: DagRun) -> str | None:
    """Where the run's state is decided: set the note the report task published as the run's note. It is written in
    the database session of the caller that is ending the run (the one holding ``dag_run``, else this thread's
    Airflow session, which ``dag.test()`` hands a detached run with), so it is committed with the run's new state and
    never waits on the caller's own row locks. Returns the note set, None when there is none or a person wrote one."""
    from airflow import settings
    from airflow.models.dagrun import DagRun as DagRunModel
    from airflow.models.xcom import XComModel
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    session = object_session(dag_run)
    if session is None:
        session = settings.Session()  # type: ignore[misc]  # configured by Airflow before any task or callback runs
        dag_run = session.get(DagRunModel, dag_run.id) or dag_run
    if not _ours(dag_run.note):
        log.info("run %s keeps the note a person wrote", dag_run.run_id)
        return None
    row = session.execute(
        select(XComModel.value)
        .where(
            XComModel.dag_id == dag_run.dag_id,
            XComModel.run_id == dag_run.run_id,
            XComModel.key == RUN_NOTE_XCOM_KEY,
        )
        .order_by(XComModel.timestamp.desc())
        .limit(1)
    ).first()
    note = XComModel.deserialize_value(row) if row is not None else None
    if not isinstance(note, str) or not note:
        return None
    dag_run.note = note
    session.flush()
    log.info("run %s: note set from its report", dag_run.run_id)
    return note
