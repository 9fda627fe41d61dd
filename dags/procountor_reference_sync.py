"""
### Procountor reference data → ledger snapshot → Taimer

Nightly at **01:30 Europe/Helsinki** (before the outbound sync) and on demand, this DAG:

1. **prepare**: migrates the sync ledger (idempotent) and opens the run record (`flow_run`, flow `reference_sync`).
2. **fetch_snapshot** (in the `procountor_api` pool, the one request budget of every task that calls Procountor):
   reads from Procountor the company, chart of accounts, the cost-center dimension's items (the dimension named by
   the `cost_center_dimension` param), products (sales, purchase, travel), persons, VAT percentages and statuses,
   bank accounts and fiscal years, and stores one snapshot per kind in the ledger.
3. **check_bank_accounts**: Taimer's company bank accounts must be active Procountor bank accounts (IBANs compared
   normalised). A mismatch is reported loudly (`REFERENCE_BANK_ACCOUNT_MISMATCH`) and stops nothing.
4. **push_reference** (one mapped task per Taimer kind: accounts, cost_centers, products, vat_rates, person_ids):
   writes a kind to Taimer only when something in it changed since the last push. Person IDs are matched to
   Taimer users by personal identifier, then by e-mail (case-insensitive), never by name; ambiguous matches are
   refused and reported.
5. **report**: the run summary (`FlowSummary`): the run's **note** (its headline, the root cause of a failure, a
   link to the Taimer ⇄ Procountor page), its return value (XCom tab: counts and ids only), a table in its log, and
   the ledger's run record. A failed step shows its real error code (recorded by the step before it re-raised);
   steps that never ran because of it show as "did not run". The run fails here if a step failed after its
   retries; a partial run (something needs a person) stays green, marked by its note.
6. **publish**: emits the `taimer_procountor://reference-snapshot` asset event (summary in the event's extra)
   when Procountor's reference data differs from what the last event announced (kept in the ledger, so a retried
   or failed run never loses a change); skipped otherwise. Taimer-only writes (`full_push`) publish nothing.

Malformed Procountor rows are skipped and reported (`REFERENCE_ITEM_INVALID`); they never stop the run.
Retry delay: env `TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS` at parse time (default 30).

Alerts: a failed run (the DAG's `on_failure_callback`) or a partial one (the `report` task's `on_success_callback`)
e-mails its summary when the SMTP connection `taimer_procountor_alerts` exists (docs/production.md).

Connections: `procountor_default`, `taimer_default`, `taimer_procountor_ledger`, optional `taimer_procountor_alerts`.
See docs/reference-sync.md.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from taimer_procountor.airflow.alerts import RunAlertNotifier
from taimer_procountor.airflow.assets import REFERENCE_SNAPSHOT
from taimer_procountor.airflow.dag_defaults import TIMEZONE, default_args
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL
from taimer_procountor.reference.kinds import DEFAULT_COST_CENTER_DIMENSION, TAIMER_KINDS


def _run_ids() -> tuple[str, str]:
    context = get_current_context()
    return context["dag"].dag_id, context["run_id"]


def _guard(where: str):
    """Record why this step failed (catalogue code, redacted detail) in the ledger's run record, then re-raise."""
    from taimer_procountor.airflow.ledger_connection import get_ledger
    from taimer_procountor.reference.steps import recording_failures

    context = get_current_context()
    dag_id, run_id = _run_ids()
    return recording_failures(get_ledger, dag_id, run_id, where, try_number=context["ti"].try_number)


@dag(
    dag_id="procountor_reference_sync",
    schedule=CronTriggerTimetable("30 1 * * *", timezone=TIMEZONE),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    on_failure_callback=RunAlertNotifier(run_failed=True),
    tags=["taimer", "procountor", "reference-data"],
    default_args=default_args(execution_timeout=timedelta(minutes=20)),
    params={
        "cost_center_dimension": Param(
            DEFAULT_COST_CENTER_DIMENSION,
            type="string",
            minLength=1,
            title="Cost-center dimension",
            description="Name of the Procountor dimension whose items are Taimer's cost centers.",
        ),
        "full_push": Param(
            False,
            type="boolean",
            title="Write every kind to Taimer",
            description="Write each kind's full set even if the ledger says Taimer already has it "
            "(after someone edited Taimer's reference data by hand).",
        ),
    },
)
def procountor_reference_sync():
    @task(multiple_outputs=False)
    def prepare() -> dict:
        """Migrate the ledger (idempotent) and open this run's record (a retry reuses it)."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.reference import FLOW

        dag_id, run_id = _run_ids()
        with _guard("prepare"):
            ledger = get_ledger()
            row = ledger.runs.start_run(dag_id, run_id, FLOW)
        return {"dag_id": dag_id, "run_id": run_id, "flow": FLOW, "attempts": row.attempts}

    @task(pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def fetch_snapshot(run: dict, params: dict | None = None) -> dict:
        """Read every reference kind from Procountor and store one snapshot per kind in the ledger."""
        from taimer_procountor.airflow.ledger_connection import get_ledger, pseudonym_key
        from taimer_procountor.airflow.procountor_hook import ProcountorHook
        from taimer_procountor.reference.extract import fetch_snapshot as fetch
        from taimer_procountor.reference.load import store_snapshot

        with _guard("fetch_snapshot"):
            key = pseudonym_key()
            with ProcountorHook().get_client() as client:
                fetched = fetch(client, cost_center_dimension=params["cost_center_dimension"], pseudonym_key=key)
            return store_snapshot(get_ledger(), fetched)

    @task(multiple_outputs=False)
    def check_bank_accounts(fetched: dict) -> dict:
        """Taimer's company IBANs against Procountor's active bank accounts; reports, never fails the run."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.reference.validate import bank_account_check

        with _guard("check_bank_accounts"):
            return bank_account_check(get_ledger(), TaimerHook().get_adapter())

    @task(map_index_template="{{ reference_kind }}", multiple_outputs=False)
    def push_reference(kind: str, fetched: dict, params: dict | None = None) -> dict:
        """Write one kind to Taimer if anything in it changed since the last successful push."""
        from taimer_procountor.airflow.ledger_connection import get_ledger, pseudonym_key
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.reference.load import push_kind

        get_current_context()["reference_kind"] = kind
        with _guard(f"push_reference[{kind}]"):
            return push_kind(
                get_ledger(),
                TaimerHook().get_adapter(),
                kind,
                full=bool(params["full_push"]),
                pseudonym_key=pseudonym_key(),
            )

    @task(trigger_rule="all_done", multiple_outputs=False, on_success_callback=RunAlertNotifier())
    def report() -> dict:
        """Summarise the run as a ``FlowSummary`` (XCom: counts and ids only), log it as a table, close the ledger's
        run record with it and publish the run's note. Retries like the other tasks: ``finish_run`` replaces the
        record's status, counts and errors, so a repeat leaves the same record; a failed run raises
        ``AirflowFailException``, which is not retried. A partial run ends green: the note and the WARNING headline
        mark it (docs/ui.md says why)."""
        from airflow.sdk.exceptions import AirflowFailException

        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.run_note import publish_run_note
        from taimer_procountor.airflow.task_states import step_states
        from taimer_procountor.redaction import get_logger
        from taimer_procountor.reference import FLOW, SNAPSHOT_KINDS
        from taimer_procountor.reference.report import build_summary, push_step, render_table
        from taimer_procountor.summary import Outcome

        context = get_current_context()
        ti = context["ti"]
        dag_id, run_id = _run_ids()
        ledger = get_ledger()
        pushes = ti.xcom_pull(task_ids="push_reference", map_indexes=list(range(len(TAIMER_KINDS)))) or []
        summary = build_summary(
            dag_id=dag_id,
            run_id=run_id,
            fetch=ti.xcom_pull(task_ids="fetch_snapshot"),
            bank=ti.xcom_pull(task_ids="check_bank_accounts"),
            pushes=[p for p in pushes if isinstance(p, dict)],
            prepared=bool(ti.xcom_pull(task_ids="prepare")),
            step_states=step_states(dag_id, run_id, mapped={"push_reference": [push_step(k) for k in TAIMER_KINDS]}),
            step_errors=ledger.runs.step_errors(dag_id, run_id, FLOW),
            unpublished=ledger.reference.unpublished_reference_kinds(SNAPSHOT_KINDS),
        )
        get_logger(__name__).info("\n%s", render_table(summary))
        ledger.runs.finish_run(
            dag_id,
            run_id,
            FLOW,
            summary.outcome.value,
            counts=summary.to_json(),
            errors=[*(f.to_json() for f in summary.failed_steps), *(e.to_json() for e in summary.errors)],
        )
        publish_run_note(summary)
        if summary.outcome is Outcome.FAILED:
            ti.xcom_push(key="return_value", value=summary.to_json())
            first = summary.failed_steps[0]
            raise AirflowFailException(f"reference sync failed: {first.task_id} ({first.code})")
        return summary.to_json()

    @task(outlets=[REFERENCE_SNAPSHOT], multiple_outputs=False)
    def publish(summary: dict) -> dict:
        """Emit the reference-snapshot asset event when Procountor's data differs from what the last event announced
        (a skipped task emits none), then record in the ledger what was announced. A retry announces the same
        states again and records them again (idempotent)."""
        from airflow.sdk.exceptions import AirflowSkipException

        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.reference.report import asset_extra
        from taimer_procountor.summary import FlowSummary

        run = FlowSummary.from_json(summary)
        if not run.details.get("snapshot_changed"):
            raise AirflowSkipException("Procountor's reference data is as the last asset event announced it")
        with _guard("publish"):
            extra = asset_extra(run)
            get_current_context()["outlet_events"][REFERENCE_SNAPSHOT].extra = extra
            get_ledger().reference.mark_reference_published(run.details["unpublished"], run_id=run.run_id)
        return extra

    run = prepare()
    fetched = fetch_snapshot(run)
    bank = check_bank_accounts(fetched)
    pushes = push_reference.partial(fetched=fetched).expand(kind=list(TAIMER_KINDS))
    summary = report()
    [run, fetched, bank, pushes] >> summary
    publish(summary)


procountor_reference_sync()
