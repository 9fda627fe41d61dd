"""
### Taimer → Procountor: sales, purchase, travel and expense invoices, validated, exactly once

Nightly at **02:30 Europe/Helsinki** (an hour after the reference sync at 01:30, so it validates against last
night's snapshot) and on demand. Per document kind (the `kinds` param; one mapped task per kind):

1. **prepare**: migrates the sync ledger, opens the run record (`flow_run`, flow `outbound`), resolves the params.
2. **extract**: selects Taimer documents and records them in the ledger with a hash of their content. Nightly:
   what users marked for transfer plus documents changed since they were sent. `numbers`: exactly those Taimer
   numbers (a resend). `date_from`/`date_to`: documents dated in the range that are marked or already known.
   A **backfill** run (`airflow backfill create`) without dates takes the documents dated on the day before its
   scheduled time; over a range already synced it finds nothing to send.
3. **validate**: builds each Procountor payload and checks it against the reference snapshot (VAT by date, bank
   account, accounts, cost centers, periods, text, ...); an invalid document never reaches Procountor.
4. **load** (pool `procountor_api`): claim → look up when an earlier outcome is unknown → `POST /invoices` →
   record; an edited document updates its `UNFINISHED` invoice (`PUT` with `version`) or is reported as a
   conflict; then the ledger receipt's sales account and cost center, each attachment once, and the write-back
   to Taimer (Procountor id, number, status, or the errors).
5. **mark_paid** (pool `procountor_api`; when `expense_report` is among the kinds): company-money expense claims
   that someone moved on in Procountor (found by one version-date search) get one payment event per receipt,
   dated on the receipt's payment date, each exactly once; the own-money half is never marked.
6. **reconcile** (pool `procountor_api`): exactly one Procountor invoice per Taimer number, the same gross total,
   Taimer's write-back equal to Procountor's state; every difference is an error with its own code.
7. **report**: counts per kind (extracted / invalid / created / updated / unchanged / conflicts / failed /
   pending), the Taimer ↔ Procountor number map, attachments moved / refused / not moved, every error and notice
   with its code: the task's return value (XCom), a table with Finnish and English texts in its log, the ledger's
   run record and the plugin's page.
8. **publish**: the `taimer_procountor://outbound-invoices` asset event when invoices were created or updated.

`dry_run`: extract and validate only, and the validate task's log shows each request body that would be sent;
nothing is written to Taimer or Procountor. Every task is safe to rerun; two runs at once end as one run would.
Retry delay: env `TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS` at parse time (default 30).

Alerts: a failed or partial run e-mails its summary when the `taimer_procountor_alerts` connection exists
(docs/production.md).

Connections: `procountor_default`, `taimer_default`, `taimer_procountor_ledger`. See docs/outbound.md.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pendulum
from airflow.sdk import CronTriggerTimetable, Param, dag, get_current_context, task

from taimer_procountor.airflow.alerts import RunAlertNotifier
from taimer_procountor.airflow.assets import OUTBOUND_INVOICES
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

TIMEZONE = "Europe/Helsinki"
FLOW = "outbound"
KINDS = ["sales_invoice", "bill", "travel_report", "expense_report"]  # outbound.steps.SUPPORTED_KINDS
RETRY_DELAY_SECONDS = float(os.environ.get("TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS") or 30)


def _run_ids() -> tuple[str, str]:
    context = get_current_context()
    return context["dag"].dag_id, context["run_id"]


def _guard(where: str):
    """Record why this step failed (catalogue code, redacted detail) in the ledger's run record, then re-raise."""
    from taimer_procountor.airflow.ledger_connection import get_ledger
    from taimer_procountor.outbound.report import STEP_FAILED
    from taimer_procountor.reference.steps import recording_failures

    context = get_current_context()
    dag_id, run_id = _run_ids()
    return recording_failures(
        get_ledger, dag_id, run_id, where, try_number=context["ti"].try_number, flow=FLOW, fallback_code=STEP_FAILED
    )


@dag(
    dag_id="taimer_to_procountor",
    schedule=CronTriggerTimetable("30 2 * * *", timezone=TIMEZONE, interval=timedelta(days=1)),
    start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    on_failure_callback=RunAlertNotifier(run_failed=True),
    tags=["taimer", "procountor", "outbound", "sales-invoices", "purchase-invoices", "travel-expense"],
    default_args={
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(seconds=RETRY_DELAY_SECONDS),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=60),
    },
    params={
        "kinds": Param(
            KINDS,
            type="array",
            items={"type": "string", "enum": KINDS},
            title="Document kinds",
            description="Which Taimer document kinds to send.",
        ),
        "date_from": Param(
            None, type=["null", "string"], format="date", title="From (document date)", description="Inclusive."
        ),
        "date_to": Param(
            None, type=["null", "string"], format="date", title="To (document date)", description="Inclusive."
        ),
        "numbers": Param(
            [],
            type="array",
            items={"type": "string"},
            title="Taimer numbers",
            description="Send (or resend) exactly these Taimer document numbers, whatever their state in Taimer. "
            "An invoice invalidated in Procountor is replaced by a new one.",
        ),
        "dry_run": Param(
            False,
            type="boolean",
            title="Dry run",
            description="Validate and show what would be sent; write nothing to Taimer or Procountor.",
        ),
    },
)
def taimer_to_procountor():
    @task(multiple_outputs=False)
    def prepare(params: dict | None = None) -> dict:
        """Migrate the ledger (idempotent), open this run's record (a retry reuses it), resolve the params."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.outbound.steps import resolve_kinds, resolve_selection

        context = get_current_context()
        dag_id, run_id = _run_ids()
        with _guard("prepare"):
            run = get_ledger().runs.start_run(dag_id, run_id, FLOW)
            dag_run = context["dag_run"]
            selection = resolve_selection(
                params, run_type=dag_run.run_type, data_interval_end=context.get("data_interval_end")
            )
            return {
                "dag_id": dag_id,
                "run_id": run_id,
                "attempts": run.attempts,
                "kinds": resolve_kinds(params),
                "selection": selection.to_json(),
                "dry_run": bool(params["dry_run"]),
            }

    @task(multiple_outputs=False)
    def kinds_of(run: dict) -> list[str]:
        return run["kinds"]

    @task(map_index_template="{{ outbound_kind }}", multiple_outputs=False)
    def extract(kind: str, run: dict) -> dict:
        """Select the documents of one kind in Taimer and record them in the ledger."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.outbound.extract import Selection
        from taimer_procountor.outbound.steps import extract_step

        get_current_context()["outbound_kind"] = kind
        with _guard(f"extract[{kind}]"):
            return extract_step(get_ledger(), TaimerHook().get_adapter(), kind, Selection.from_json(run["selection"]))

    @task(map_index_template="{{ outbound_kind }}", multiple_outputs=False)
    def validate(extracted: dict, run: dict) -> dict:
        """Build and validate the payloads of the selected documents not validated yet."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.outbound.steps import validate_step

        kind = extracted["kind"]
        get_current_context()["outbound_kind"] = kind
        with _guard(f"validate[{kind}]"):
            return validate_step(
                get_ledger(), TaimerHook().get_adapter(), kind, extracted["doc_ids"], dry_run=run["dry_run"]
            )

    @task(map_index_template="{{ outbound_kind }}", pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def load(validated: dict, run: dict) -> dict:
        """Send, update, enrich, attach and write back the selected documents of one kind, exactly once."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.procountor_hook import ProcountorHook
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.outbound.steps import load_step

        context = get_current_context()
        kind = validated["kind"]
        context["outbound_kind"] = kind
        if run["dry_run"]:
            return {"kind": kind, "dry_run": True, "doc_ids": validated["doc_ids"], "counts": {}, "outcomes": {}}
        ti = context["ti"]
        doc_ids = validated["doc_ids"]
        with _guard(f"load[{kind}]"), ProcountorHook().get_client() as client:
            return load_step(
                get_ledger(),
                TaimerHook().get_adapter(),
                client,
                kind,
                doc_ids,
                worker=f"{run['run_id']}:{ti.try_number}",
                run_id=run["run_id"],
                resend=run["selection"]["mode"] == "numbers",
            )

    @task(map_index_template="{{ outbound_kind }}", pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def reconcile(loaded: dict, run: dict) -> dict:
        """Procountor holds exactly one invoice per touched document, with Taimer's total; the write-back agrees."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.procountor_hook import ProcountorHook
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.outbound.steps import reconcile_step

        context = get_current_context()
        kind = loaded["kind"]
        context["outbound_kind"] = kind
        if run["dry_run"]:
            return {"kind": kind, "dry_run": True, "checked": 0, "agreed": 0, "problems": []}
        doc_ids = loaded["doc_ids"]
        with _guard(f"reconcile[{kind}]"), ProcountorHook().get_client() as client:
            return reconcile_step(get_ledger(), TaimerHook().get_adapter(), client, kind, doc_ids)

    @task(pool=PROCOUNTOR_POOL, multiple_outputs=False)
    def mark_paid(run: dict) -> dict:
        """Company-money expense claims that moved on in Procountor: each receipt marked paid once, on its date."""
        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.procountor_hook import ProcountorHook
        from taimer_procountor.airflow.taimer_hook import TaimerHook
        from taimer_procountor.outbound.steps import mark_paid_step

        if run["dry_run"] or "expense_report" not in run["kinds"]:
            return {"kind": "expense_report", "skipped": True, "counts": {}, "reports": {}, "problems": []}
        with _guard("mark_paid"), ProcountorHook().get_client() as client:
            return mark_paid_step(get_ledger(), TaimerHook().get_adapter(), client)

    @task(trigger_rule="all_done", multiple_outputs=False, on_success_callback=RunAlertNotifier())
    def report() -> dict:
        """The run's FlowSummary (XCom: counts, ids and codes), a table in the log, the ledger's run record. A
        failed step makes the run fail here (``AirflowFailException``, not retried); a repeat writes the same."""
        from airflow.sdk.exceptions import AirflowFailException

        from taimer_procountor.airflow.ledger_connection import get_ledger
        from taimer_procountor.airflow.run_note import publish_run_note
        from taimer_procountor.outbound.report import build_summary, render_table
        from taimer_procountor.redaction import get_logger

        ti = get_current_context()["ti"]
        dag_id, run_id = _run_ids()
        ledger = get_ledger()
        run = ti.xcom_pull(task_ids="prepare") or {}
        kinds = ti.xcom_pull(task_ids="kinds_of") or run.get("kinds") or []
        indexes = list(range(len(kinds)))

        def by_kind(task_id: str) -> dict:
            values = ti.xcom_pull(task_ids=task_id, map_indexes=indexes) if kinds else []
            if isinstance(values, dict):
                values = [values]
            return {v["kind"]: v for v in values or [] if isinstance(v, dict) and "kind" in v}

        paid = ti.xcom_pull(task_ids="mark_paid")
        failed = [] if run else ["prepare"]
        if run and paid is None and not run.get("dry_run") and "expense_report" in kinds:
            failed.append("mark_paid")
        record = ledger.runs.get_run(dag_id, run_id, FLOW)
        summary = build_summary(
            ledger,
            dag_id=dag_id,
            run_id=run_id,
            kinds=kinds,
            started_at=record.started_at if record else None,
            extracts=by_kind("extract"),
            validations=by_kind("validate"),
            loads=by_kind("load"),
            reconciles=by_kind("reconcile"),
            payments=paid,
            dry_run=bool(run.get("dry_run")),
            selection=run.get("selection"),
            failed_steps=failed,
            step_errors=ledger.runs.step_errors(dag_id, run_id, FLOW),
        )
        get_logger(__name__).info("\n%s", render_table(summary))
        data = summary.to_json()
        ledger.runs.finish_run(
            dag_id, run_id, FLOW, summary.outcome.value, counts=data, errors=[e.to_json() for e in summary.errors]
        )
        publish_run_note(summary)  # the run's note in Airflow's UI (docs/ui.md)
        if summary.failed_steps:
            ti.xcom_push(key="return_value", value=data)
            raise AirflowFailException(summary.headline())
        return data

    @task(outlets=[OUTBOUND_INVOICES], multiple_outputs=False)
    def publish(summary: dict) -> dict:
        """Emit the outbound-invoices asset event when this run created or updated invoices; skipped otherwise."""
        from airflow.sdk.exceptions import AirflowSkipException

        from taimer_procountor.outbound.report import created_or_updated
        from taimer_procountor.summary import FlowSummary

        parsed = FlowSummary.from_json(summary)
        if parsed.dry_run or not created_or_updated(parsed):
            raise AirflowSkipException("no invoice was created or updated in Procountor")
        extra = {
            "run_id": parsed.run_id,
            "kinds": {row.kind: {"created": row.get("created"), "updated": row.get("updated")} for row in parsed.kinds},
        }
        get_current_context()["outlet_events"][OUTBOUND_INVOICES].extra = extra
        return extra

    run = prepare()
    kinds = kinds_of(run)
    extracted = extract.partial(run=run).expand(kind=kinds)
    validated = validate.partial(run=run).expand(extracted=extracted)
    loaded = load.partial(run=run).expand(validated=validated)
    paid = mark_paid(run)
    reconciled = reconcile.partial(run=run).expand(loaded=loaded)
    loaded >> paid >> reconciled  # marking changes a claim's status in Taimer too: reconcile after it
    summary = report()
    [run, extracted, validated, loaded, reconciled, paid] >> summary
    publish(summary)


taimer_to_procountor()
