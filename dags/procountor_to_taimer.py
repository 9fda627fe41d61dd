"""
### Procountor → Taimer: received purchase invoices, approvals, paid statuses

Six times a day (**06:45, 09:45, 12:45, 15:45, 18:45, 21:45 Europe/Helsinki**) and whenever the outbound DAG
publishes `taimer_procountor://outbound-invoices`, this DAG:

1. **prepare**: migrates the sync ledger (idempotent) and opens the run record (`flow_run`, flow `inbound`).
2. **load_bills**: purchase invoices that arrived in Procountor (`RECEIVED` and later statuses) and changed since
   the watermark (`versionStartDate`, 10-minute overlap) are routed and written to Taimer as bills
   (`upsert_bill`, idempotent by Procountor id): the invoice's project number (`orderReference`) → that
   project's manager if allowed to receive purchase invoices; else its person ID (`buyerReferenceIdentifier`) →
   that user if allowed; else the default recipient. The reason is recorded on the bill and in the report. The
   watermark moves only when the whole batch is in Taimer.
3. **push_approvals**: bills approved in Taimer with "Hyväksy Procountorissa" are approved in Procountor, each once
   (the ledger records it), verified first where the invoice's circulation names verifiers; already approved is
   success. Refusals carry a catalogue code; `UNFINISHED` and rights are tried again next run.
4. **apply_payments**: for the sales invoices we sent (and the own-money half of expense and travel reports), the
   statuses `PARTLY_PAID`, `PAID`, `MARKED_PAID`, `INVALIDATED` and their payment events go to Taimer: paid amount,
   date and status (Procountor's state wins).
5. **report**: the run's summary (XCom: counts per kind, routing decisions with reasons, approvals pushed, payments
   applied, errors with codes), the same as a table in its log, and the ledger's run record.

Params: `date_from` / `date_to` re-read a period of Procountor version dates (a backfill: the watermarks stay);
`dry_run` reads and shows what would happen and writes nothing to Taimer, Procountor or the ledger's mappings;
`verify_first` (`auto`, `always`, `never`) says when an invoice in `RECEIVED` is verified before approving.
Every task that calls Procountor runs in the `procountor_api` pool. Retry delay: env
`TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS` at parse time (default 30).

Connections: `procountor_default`, `taimer_default`, `taimer_procountor_ledger`. See docs/inbound.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AssetOrTimeSchedule, CronTriggerTimetable, Param, dag, get_current_context, task

from taimer_procountor.airflow.alerts import RunAlertNotifier
from taimer_procountor.airflow.assets import OUTBOUND_INVOICES
from taimer_procountor.airflow.dag_defaults import TIMEZONE, default_args
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

STEP_TASKS = ["load_bills", "push_approvals", "apply_payments"]  # taimer_procountor.inbound.report.STEPS


def _run_ids() -> tuple[str, str]:
    context = get_current_context()
    return context["dag"].dag_id, context["run_id"]


def _guard(where: str):
    from taimer_procountor.airflow.ledger_connection import get_ledger
    from taimer_procountor.inbound.steps import guard

    dag_id, run_id = _run_ids()
    return guard(get_ledger, dag_id, run_id, where, get_current_context()["ti"].try_number)


def _run_step(where: str, params: dict) -> dict:
    """One step with the ledger, a Procountor client and the Taimer adapter from the connections."""
    from taimer_procountor.airflow.ledger_connection import get_ledger
    from taimer_procountor.airflow.procountor_hook import ProcountorHook
    from taimer_procountor.airflow.taimer_hook import TaimerHook
    from taimer_procountor.inbound import steps

    body = {
        "load_bills": steps.load_bills_step,
        "push_approvals": steps.push_approvals_step,
        "apply_payments": steps.apply_payments_step,
    }[where]
    with _guard(where), ProcountorHook().get_client() as client:
        return body(get_ledger(), client, TaimerHook().get_adapter(), steps.InboundParams.from_params(params))


@dag(
    dag_id="procountor_to_taimer",
    schedule=AssetOrTimeSchedule(
        timetable=CronTriggerTimetable("45 6-21/3 * * *", timezone=TIMEZONE), assets=[OUTBOUND_INVOICES]
    ),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["taimer", "procountor", "inbound"],
    default_args=default_args(execution_timeout=timedelta(minutes=30)),
    on_failure_callback=RunAlertNotifier(run_failed=True),
    params={
        "date_from": Param(
            None,
            type=["null", "string"],
            format="date",
            title="From (version date)",
            description="Re-read Procountor invoices changed on or after this day (a backfill; watermarks stay).",
        ),
        "date_to": Param(
            None,
            type=["null", "string"],
            format="date",
            title="To (version date, inclusive)",
            description="Last day of the period to re-read.",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Read and show what would happen; write nothing to Taimer, Procountor or the ledger.",
        ),
        "verify_first": Param(
            "auto",
            enum=["auto", "always", "never"],
            title="Verify before approving",
            description="auto: verify a RECEIVED invoice first when its circulation names verifiers.",
        ),
    },
)
def procountor_to_taimer():
    @task(multiple_outputs=False)
    def prepare(params: dict | None = None) -> dict:
        """Migrate the ledger (idempotent) and open this run's record (a retry reuses it)."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.inbound.steps import InboundParams, prepare_step

        dag_id, run_id = _run_ids()
        with _guard("prepare"):
            return prepare_step(get_ledger(), dag_id, run_id, InboundParams.from_params(params))

    @task(pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def load_bills(run: dict, params: dict | None = None) -> dict:
        """Received purchase invoices -> routed Taimer bills; the watermark moves after the batch."""
        return _run_step("load_bills", params)

    @task(pool=PROCOUNTOR_POOL, trigger_rule="all_done", multiple_outputs=False)
    def push_approvals(params: dict | None = None) -> dict:
        """Taimer approvals ("Hyväksy Procountorissa") -> Procountor, each once; after the bills (fresh statuses),
        whether or not that step succeeded."""
        return _run_step("push_approvals", params)

    @task(pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def apply_payments(run: dict, params: dict | None = None) -> dict:
        """Paid statuses and payment events of the invoices we sent -> Taimer."""
        return _run_step("apply_payments", params)

    @task(trigger_rule="all_done", multiple_outputs=False, on_success_callback=RunAlertNotifier())
    def report(params: dict | None = None) -> dict:
        """Summarise the run (XCom: counts and ids), log it as a table, close the ledger's run record. A failed run
        raises ``AirflowFailException`` (not retried) after recording."""
        from airflow.sdk.exceptions import AirflowFailException

        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.run_note import publish_run_note
        from taimer_procountor.inbound.report import render_table
        from taimer_procountor.inbound.steps import InboundParams, report_step
        from taimer_procountor.redaction import get_logger

        ti = get_current_context()["ti"]
        dag_id, run_id = _run_ids()
        steps = {task_id: ti.xcom_pull(task_ids=task_id) for task_id in STEP_TASKS}
        summary = report_step(get_ledger(), dag_id, run_id, steps, InboundParams.from_params(params))
        get_logger(__name__).info("\n%s", render_table(summary))
        result = summary.to_json()
        publish_run_note(summary)  # the run's note in Airflow's UI (docs/ui.md)
        if summary.outcome.value == "failed":
            ti.xcom_push(key="return_value", value=result)
            raise AirflowFailException(summary.headline())
        return result

    run = prepare()
    bills = load_bills(run)
    approvals = push_approvals()
    [run, bills] >> approvals
    payments = apply_payments(run)
    [run, bills, approvals, payments] >> report()


procountor_to_taimer()
