"""Alerts: a failed or partial run e-mails its summary, through Airflow's notifier mechanism.

- **Configured by** the SMTP connection ``taimer_procountor_alerts`` (type ``smtp``: host, port, login and
  password; extra ``from_email``, ``to`` (addresses, a list or comma-separated), ``disable_tls``, ``disable_ssl``,
  ``timeout``, ``retry_limit`` as the SMTP provider reads them). **No such connection: alerts are off** (one INFO
  log line per run that would have alerted).
- **Failed run**: the DAG's ``on_failure_callback=RunAlertNotifier(run_failed=True)``.
- **Partial run** (green in Airflow, something needs a person): the ``report`` task's
  ``on_success_callback=RunAlertNotifier()``, which sends only when the report's summary says partial.

The message (``alert_message.build_alert``) comes from the ``report`` task's ``FlowSummary`` (its XCom, else the
ledger's run record, which holds the same): the
headline as subject, root cause, errors, notices, the counts table, and links to the run on the report page and in
Airflow (absolute, from ``[api] base_url``). A run that failed without a report (a timeout, marked failed by hand)
still alerts, as ``RUN_FAILED_WITHOUT_REPORT``. The SMTP provider's ``SmtpNotifier`` sends it with every field
given, so our content is passed as it is (never rendered as a Jinja template).

Imported by DAG files at parse time: nothing heavy at the top.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeGuard
from urllib.parse import quote

from airflow.sdk import BaseNotifier

if TYPE_CHECKING:
    from taimer_procountor.alert_message import AlertMessage
    from taimer_procountor.summary import FlowSummary

ALERTS_CONN_ID = "taimer_procountor_alerts"
REPORT_TASK_ID = "report"
REPORT_PATH = "/taimer-procountor/"  # the report page's mount point (plugins/taimer_procountor_ui.py)


def _log() -> logging.Logger:
    from taimer_procountor.redaction import get_logger

    return get_logger(__name__)


def airflow_base_url() -> str:
    from airflow.configuration import conf

    return (conf.get("api", "base_url", fallback="") or "http://localhost:8080").rstrip("/")


def run_links(summary: FlowSummary) -> tuple[str, str]:
    """``(report page at this run, the run in Airflow's UI)``, absolute: an e-mail is read outside the UI."""
    base = airflow_base_url()
    anchor = quote(f"run-{summary.dag_id}-{summary.run_id}", safe="")
    run = f"{base}/dags/{quote(summary.dag_id, safe='')}/runs/{quote(summary.run_id, safe='')}"
    return f"{base}{REPORT_PATH}?lang=en#{anchor}", run


def summary_from_context(context: Any, report_task_id: str = REPORT_TASK_ID, *, failed: bool) -> FlowSummary | None:
    """The run's ``FlowSummary`` from the report task's XCom, else from the ledger's run record. Without one: for a
    ``failed`` run a FAILED summary naming the task the callback was given (``RUN_FAILED_WITHOUT_REPORT``), else
    None."""
    from taimer_procountor.redaction import redact
    from taimer_procountor.summary import FlowSummary, Outcome, StepFailure

    ti = context.get("ti")
    dag = context.get("dag")
    dag_id = dag.dag_id if dag is not None else str(context.get("dag_id") or "")
    run_id = str(context.get("run_id") or "")
    value = None
    if ti is not None:
        try:
            value = ti.xcom_pull(task_ids=report_task_id)
        except Exception as exc:  # dag.test() runs DAG callbacks where tasks' XCom API is not reachable
            _log().info("%s's summary not in XCom here (%s): reading the ledger", report_task_id, type(exc).__name__)
    if not _is_summary(value):
        value = _ledger_summary(dag_id, run_id)
    if _is_summary(value):
        return FlowSummary.from_json(value)
    if not failed:
        return None
    reason = redact(context.get("reason") or "the run failed")
    step = StepFailure(ti.task_id if ti is not None else "run", "RUN_FAILED_WITHOUT_REPORT", reason[:300])
    return FlowSummary(
        flow=dag_id,
        dag_id=dag_id,
        run_id=run_id,
        outcome=Outcome.FAILED,
        failed_steps=(step,),
    )


def _is_summary(value: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict) and "flow" in value and "outcome" in value


def _ledger_summary(dag_id: str, run_id: str) -> Any:
    """The summary the report task stored in the ledger's run record (``flow_run.counts``), if any."""
    from taimer_procountor.airflow.ledger_connection import get_ledger

    try:
        ledger = get_ledger(migrate_first=False)
        runs = [r for r in ledger.runs.recent(dag_id=dag_id, limit=20) if r.run_id == run_id]
    except Exception as exc:  # the ledger may be what failed the run: alert without its summary
        _log().warning("could not read run %s from the ledger: %s", run_id, type(exc).__name__)
        return None
    return runs[0].counts if runs else None


def recipients(extra: dict[str, Any]) -> list[str]:
    raw = extra.get("to") or []
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [str(a).strip() for a in items if str(a).strip()]


class RunAlertNotifier(BaseNotifier):
    """Send the run's alert when its outcome is partial or failed and the alerts connection exists.
    ``run_failed=True`` for the DAG's ``on_failure_callback`` (alerts even without a report)."""

    template_fields = ()

    def __init__(
        self, *, run_failed: bool = False, conn_id: str = ALERTS_CONN_ID, report_task_id: str = REPORT_TASK_ID
    ) -> None:
        super().__init__()
        self.run_failed = run_failed
        self.conn_id = conn_id
        self.report_task_id = report_task_id

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Nothing to render: the message is built from the summary, never from a template (its data could hold
        ``{{ ... }}``). Also spares ``dag.test()``, whose callback context carries a DAG without a template env."""

    def notify(self, context: Any) -> None:
        from taimer_procountor.alert_message import build_alert, needs_alert

        summary = summary_from_context(context, self.report_task_id, failed=self.run_failed)
        if summary is None or not needs_alert(summary):
            return
        report_url, run_url = run_links(summary)
        send_alert(build_alert(summary, report_url=report_url, run_url=run_url), context, conn_id=self.conn_id)


def send_alert(message: AlertMessage, context: Any, *, conn_id: str = ALERTS_CONN_ID) -> bool:
    """E-mail ``message`` through the SMTP connection ``conn_id``; False (and a log line) when it does not exist or
    names no recipient or sender."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier
    from airflow.sdk import BaseHook

    from taimer_procountor.redaction import register_secret

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        _log().info("alerts are off (no connection %r): %s", conn_id, message.subject)
        return False
    register_secret(conn.password)
    extra = conn.extra_dejson or {}
    to, sender = recipients(extra), extra.get("from_email")
    if not to or not sender:
        _log().warning("alerts connection %r needs extra 'to' and 'from_email': %s", conn_id, message.subject)
        return False
    # every field given, so the notifier renders none of them as a template
    SmtpNotifier(
        to=to, from_email=sender, subject=message.subject, html_content=message.html, smtp_conn_id=conn_id
    ).notify(context)
    _log().info("alert sent to %d recipient(s): %s", len(to), message.subject)
    return True
