"""Reference snapshots and pushes, inbound mappings, watermarks and run records on a real SQLite ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from taimer_procountor.ledger import RunStatus, connect, migrate

ACCOUNTS = [
    {"ledgerAccountCode": "3000", "name": "Myynti ALV 25,5 %", "vatPercent": "25.5"},
    {"ledgerAccountCode": "3010", "name": "Myynti ALV 14 %", "vatPercent": "14"},
    {"ledgerAccountCode": "3020", "name": "Myynti ALV 10 %", "vatPercent": "10"},
]


@pytest.fixture
def ledger(sqlite_url):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    yield led
    led.dispose()


def test_reference_snapshot_diff(ledger):
    first = ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    assert first.added == ["3000", "3010", "3020"] and first.has_changes and first
    same = ledger.reference.save_reference_snapshot("ledger_accounts", list(reversed(ACCOUNTS)), "ledgerAccountCode")
    assert not same.has_changes and not same and same.unchanged == ["3000", "3010", "3020"]
    # the same content again is no new payload copy: the latest row is reused and only its last_seen_at moves
    assert same.reused and same.snapshot_id == first.snapshot_id
    assert ledger.reference.latest_reference_snapshot("ledger_accounts").last_seen_at >= first_fetched(ledger, first)

    changed_items = [
        {**ACCOUNTS[0], "name": "Myynti ALV 25,5 % (uusi)"},
        ACCOUNTS[1],
        {"ledgerAccountCode": "3030", "name": "Myynti ALV 0 %", "vatPercent": "0"},
    ]
    diff = ledger.reference.save_reference_snapshot("ledger_accounts", changed_items, "ledgerAccountCode")
    assert (diff.added, diff.changed, diff.removed, diff.unchanged) == (["3030"], ["3000"], ["3020"], ["3010"])
    assert diff.summary() == {"added": 1, "changed": 1, "removed": 1, "unchanged": 1, "kept": 0}
    assert not diff.reused and diff.snapshot_id != first.snapshot_id
    snap = ledger.reference.latest_reference_snapshot("ledger_accounts")
    assert snap.item_count == 3 and snap.id == diff.snapshot_id and snap.changed_count == 1
    assert [i["ledgerAccountCode"] for i in ledger.reference.reference_items("ledger_accounts")] == [
        "3000",
        "3010",
        "3030",
    ]
    # A removed item that comes back counts as added.
    back = ledger.reference.save_reference_snapshot(
        "ledger_accounts", [*changed_items, ACCOUNTS[2]], "ledgerAccountCode"
    )
    assert back.added == ["3020"]
    # Kinds are independent.
    assert ledger.reference.save_reference_snapshot("cost_centers", [{"id": 1, "name": "Helsinki"}]).added == ["1"]
    assert (
        ledger.reference.prune_reference_snapshots("ledger_accounts", keep=1) == 2
    )  # 3 rows: the repeat reused the first


def first_fetched(ledger, diff):
    with ledger.read() as s:
        from taimer_procountor.ledger.models import ReferenceSnapshot

        return s.get(ReferenceSnapshot, diff.snapshot_id).fetched_at


def test_kept_keys_keep_their_last_good_copy(ledger):
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    # 3010 was unreadable this time: not removed, its last good copy stays current; 3020 really went away
    diff = ledger.reference.save_reference_snapshot(
        "ledger_accounts", ACCOUNTS[:1], "ledgerAccountCode", keep_keys=["3010"]
    )
    assert diff.kept == ["3010"] and diff.removed == ["3020"]
    assert [i["name"] for i in ledger.reference.reference_items("ledger_accounts")] == [
        "Myynti ALV 25,5 %",
        "Myynti ALV 14 %",
    ]
    # a row without any key was unreadable: nothing is removed at all
    diff = ledger.reference.save_reference_snapshot("ledger_accounts", [], "ledgerAccountCode", keep_missing=True)
    assert diff.removed == [] and diff.kept == ["3000", "3010"]
    assert len(ledger.reference.reference_items("ledger_accounts")) == 2


def test_unpublished_kinds_until_marked_and_again_after_a_change(ledger):
    kinds = ["ledger_accounts", "cost_centers"]
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    pending = ledger.reference.unpublished_reference_kinds(kinds)
    assert set(pending) == {"ledger_accounts", "cost_centers"}  # never published: both count as changed
    # nothing marked (a run that failed before publishing, or a retried fetch): still pending
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    assert ledger.reference.unpublished_reference_kinds(kinds) == pending
    assert ledger.reference.mark_reference_published(pending, run_id="r1") == 2
    assert ledger.reference.mark_reference_published(pending, run_id="r1") == 2  # a retried publish: same result
    assert ledger.reference.unpublished_reference_kinds(kinds) == {}
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS[:2], "ledgerAccountCode")
    assert list(ledger.reference.unpublished_reference_kinds(kinds)) == ["ledger_accounts"]
    # back to what was published: nothing to announce
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    assert ledger.reference.unpublished_reference_kinds(kinds) == {}


def test_reference_snapshot_rejects_repeated_or_missing_keys(ledger):
    with pytest.raises(ValueError, match="repeat"):
        ledger.reference.save_reference_snapshot("products", [{"id": 1}, {"id": 1}])
    with pytest.raises(ValueError, match="without"):
        ledger.reference.save_reference_snapshot("products", [{"name": "x"}])
    assert ledger.reference.latest_reference_snapshot("products") is None


def test_pending_reference_pushes(ledger):
    ledger.reference.save_reference_snapshot("ledger_accounts", ACCOUNTS, "ledgerAccountCode")
    # key_field comes from the latest snapshot of the kind
    assert ledger.reference.pending_reference_pushes("ledger_accounts", ACCOUNTS) == ACCOUNTS
    assert ledger.reference.mark_reference_pushed("ledger_accounts", ACCOUNTS[:2]) == 2
    assert ledger.reference.pending_reference_pushes("ledger_accounts", ACCOUNTS) == [ACCOUNTS[2]]
    ledger.reference.mark_reference_pushed("ledger_accounts", ACCOUNTS)
    assert ledger.reference.pending_reference_pushes("ledger_accounts", ACCOUNTS) == []
    renamed = {**ACCOUNTS[1], "name": "Myynti ALV 13,5 %"}
    assert ledger.reference.pending_reference_pushes("ledger_accounts", [ACCOUNTS[0], renamed]) == [renamed]
    assert ledger.reference.pending_reference_removals("ledger_accounts", [ACCOUNTS[0], renamed]) == ["3020"]
    assert ledger.reference.mark_reference_removed("ledger_accounts", ["3020"]) == 1
    assert ledger.reference.pending_reference_removals("ledger_accounts", [ACCOUNTS[0], renamed]) == []


def test_inbound_mappings(ledger):
    first = ledger.inbound.upsert_inbound_mapping(
        "purchase_invoice", 123, "bill-9", content_hash="h1", details={"routing": "project 4711 manager"}
    )
    assert first.created and first.changed
    same = ledger.inbound.upsert_inbound_mapping("purchase_invoice", "123", "bill-9", content_hash="h1")
    assert not same.created and not same.changed and same.mapping.id == first.mapping.id
    assert ledger.inbound.upsert_inbound_mapping("purchase_invoice", 123, "bill-9", content_hash="h2").changed
    by_taimer = ledger.inbound.get_inbound_mapping("purchase_invoice", taimer_id="bill-9")
    assert by_taimer.procountor_id == "123" and by_taimer.details == {"routing": "project 4711 manager"}
    assert ledger.inbound.get_inbound_mapping("payment_state", procountor_id=123) is None
    with pytest.raises(ValueError):
        ledger.inbound.get_inbound_mapping("purchase_invoice")


def test_watermark_never_moves_backwards(ledger):
    flow = "inbound_purchase_invoices"
    assert ledger.inbound.get_watermark(flow) is None
    assert ledger.inbound.watermark_read_from(flow, default=datetime(2024, 1, 1)) == datetime(2024, 1, 1)
    wm = ledger.inbound.advance_watermark(flow, datetime(2025, 5, 1, 10, 0), overlap=timedelta(minutes=10))
    assert wm.value == datetime(2025, 5, 1, 10, 0) and wm.read_from == datetime(2025, 5, 1, 9, 50)
    back = ledger.inbound.advance_watermark(flow, datetime(2025, 4, 1))
    assert back.value == datetime(2025, 5, 1, 10, 0)
    assert ledger.inbound.advance_watermark(flow, datetime(2025, 5, 2)).value == datetime(2025, 5, 2)
    assert ledger.inbound.watermark_read_from(flow) == datetime(2025, 5, 1, 23, 50)  # overlap kept
    with pytest.raises(ValueError, match="naive"):
        ledger.inbound.advance_watermark(flow, datetime(2025, 6, 1, tzinfo=UTC))


def test_run_records_are_idempotent(ledger):
    t0 = datetime(2025, 5, 1, 3, 0, tzinfo=UTC)
    run = ledger.runs.start_run("taimer_procountor_outbound", "scheduled__2025-05-01", "sales_invoices", now=t0)
    retry = ledger.runs.start_run(
        "taimer_procountor_outbound", "scheduled__2025-05-01", "sales_invoices", now=t0 + timedelta(minutes=5)
    )
    assert retry.id == run.id and retry.attempts == 2 and retry.started_at == t0
    done = ledger.runs.finish_run(
        "taimer_procountor_outbound",
        "scheduled__2025-05-01",
        "sales_invoices",
        RunStatus.PARTIAL,
        counts={"sent": 9, "failed": 1},
        errors=[{"taimer_number": "1007", "code": "ERROR_OPERATOR"}],
        now=t0 + timedelta(minutes=6),
    )
    assert done.status == RunStatus.PARTIAL and done.duration_seconds == 360.0
    again = ledger.runs.finish_run(
        "taimer_procountor_outbound",
        "scheduled__2025-05-01",
        "sales_invoices",
        "partial",
        counts={"sent": 9, "failed": 1},
        now=t0 + timedelta(minutes=7),
    )
    assert again.id == run.id
    assert len(ledger.runs.recent(dag_id="taimer_procountor_outbound")) == 1
    got = ledger.runs.get_run("taimer_procountor_outbound", "scheduled__2025-05-01", "sales_invoices")
    assert got.counts == {"sent": 9, "failed": 1} and got.errors[0]["code"] == "ERROR_OPERATOR"


def test_step_errors_survive_finish_run_and_are_redacted(ledger):
    from taimer_procountor.redaction import register_secret

    register_secret("step-error-secret-value")
    args = ("procountor_reference_sync", "manual__1", "reference_sync")
    ledger.runs.record_step_error(*args, "fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", "503", try_number=1)
    ledger.runs.record_step_error(
        *args, "fetch_snapshot", "PROCOUNTOR_UNAUTHORIZED", "token step-error-secret-value refused", try_number=2
    )
    ledger.runs.finish_run(*args, "failed", counts={}, errors=[{"code": "X"}])
    ledger.runs.finish_run(*args, "failed", counts={}, errors=[{"code": "X"}])  # a retried report: same record
    latest = ledger.runs.step_errors(*args)
    assert list(latest) == ["fetch_snapshot"]
    assert latest["fetch_snapshot"]["code"] == "PROCOUNTOR_UNAUTHORIZED" and latest["fetch_snapshot"]["try_number"] == 2
    assert "step-error-secret-value" not in str(ledger.runs.get_run(*args).step_errors)
    assert len(ledger.runs.get_run(*args).step_errors) == 2 and ledger.runs.get_run(*args).attempts == 1
