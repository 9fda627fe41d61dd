"""Taimer models (JSON round trip, blobs, partial updates) and the sandbox store's logic without HTTP."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

import pytest

from sandboxes.faults import FaultRule, FaultRuleError
from sandboxes.taimer.datasets import TaimerDataset, default_dataset
from sandboxes.taimer.faults import new_engine
from sandboxes.taimer.state import SandboxError, TaimerStore
from taimer_procountor.taimer.models import (
    BillUpsert,
    DocumentKind,
    InlineBlob,
    IntegrationUpdate,
    ReferenceCostCenter,
    ReferenceKind,
    Supplier,
    SyncState,
    SyntheticBlob,
)


def test_taimer_dataset_json_round_trip_keeps_types() -> None:
    dataset = default_dataset()
    again = TaimerDataset.model_validate_json(dataset.model_dump_json())
    assert again == dataset
    row = again.sales_invoices[0].rows[1]
    assert isinstance(row.unit_price, Decimal) and row.unit_price == Decimal("95.00")
    assert again.expense_reports[0].rows[0].receipt_date == date(2025, 1, 12)
    assert isinstance(again.attachment_blobs["att-1"], SyntheticBlob)
    assert isinstance(again.attachment_blobs["att-2"], InlineBlob)


def test_taimer_blob_union_is_decided_by_fields() -> None:
    data = TaimerDataset.model_validate(
        {
            "company": {"name": "X Oy", "business_id": "1234567-8"},
            "attachment_blobs": {
                "a": {"data_b64": base64.b64encode(b"hi").decode()},
                "b": {"kind": "gif", "size": 100, "seed": 3},
            },
        }
    )
    assert data.attachment_blobs["a"].source == "inline"
    assert data.attachment_blobs["b"].source == "synthetic"
    with pytest.raises(ValueError):
        TaimerDataset.model_validate(
            {"company": {"name": "X", "business_id": "1"}, "attachment_blobs": {"c": {"size": 3}}}
        )


def test_taimer_integration_update_sends_only_set_fields() -> None:
    update = IntegrationUpdate(sync_state=SyncState.TRANSFERRED, procountor_id=None)
    assert update.model_dump(mode="json", exclude_unset=True) == {"sync_state": "transferred", "procountor_id": None}


def test_taimer_store_keyset_paging_survives_inserts() -> None:
    store = TaimerStore(default_dataset())
    first, cursor = store.list_documents(DocumentKind.BILL, cursor=None, limit=1)
    assert [d["id"] for d in first] == ["b-1"] and cursor == "b-1"
    # a bill arrives from Procountor between two pages; its id sorts after the cursor
    upsert = BillUpsert(
        procountor_id=1, supplier=Supplier(name="S"), invoice_date=date(2025, 1, 1), due_date=date(2025, 1, 2)
    )
    store.upsert_bill(1, upsert)
    rest, cursor = store.list_documents(DocumentKind.BILL, cursor=cursor, limit=10)
    assert [d["id"] for d in rest] == ["b-2", "bill-p1"] and cursor is None


def test_taimer_store_write_back_partial_and_unknown_document() -> None:
    store = TaimerStore(default_dataset())
    store.write_back(DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(procountor_id=7, procountor_number=70))
    after = store.write_back(DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(sync_state=SyncState.TRANSFERRED))
    assert (after["procountor_id"], after["procountor_number"], after["sync_state"]) == (7, 70, "transferred")
    with pytest.raises(SandboxError) as info:
        store.write_back(DocumentKind.SALES_INVOICE, "missing", IntegrationUpdate())
    assert info.value.status == 404


def test_taimer_store_reference_rejects_duplicate_keys_and_resets() -> None:
    store = TaimerStore(default_dataset())
    items = [ReferenceCostCenter(code="100", dimension_id=1).model_dump(mode="json")] * 2
    with pytest.raises(SandboxError) as info:
        store.write_reference(ReferenceKind.COST_CENTERS, items)
    assert "repeats key" in info.value.message
    store.write_reference(ReferenceKind.COST_CENTERS, items[:1])
    assert len(store.reference(ReferenceKind.COST_CENTERS)) == 1
    store.reset()
    assert store.reference(ReferenceKind.COST_CENTERS) == []


def test_taimer_store_google_drive_company_flag_blocks_content() -> None:
    dataset = default_dataset()
    dataset.company.attachments_in_google_drive = True
    store = TaimerStore(dataset)
    with pytest.raises(SandboxError) as info:
        store.attachment_blob("att-1")
    assert info.value.code == "TAIMER_ATTACHMENT_UNAVAILABLE"


def test_taimer_fault_rules_nth_count_and_probability() -> None:
    engine = new_engine()
    engine.add(FaultRule(kind="latency", path="/a$", nth=2))
    engine.add(FaultRule(kind="rate_limit", path="/b$", count=2))
    engine.add(FaultRule(kind="html_500", path="/c$", probability=0.5, seed=7))
    engine.add(FaultRule(kind="error_before_commit", path="/d$", nth=2, count=2))
    assert [bool(engine.fire("GET", "/a")) for _ in range(4)] == [False, True, False, False]
    assert [bool(engine.fire("GET", "/b")) for _ in range(4)] == [True, True, False, False]
    assert [bool(engine.fire("GET", "/d")) for _ in range(4)] == [False, True, True, False]  # from the nth, count times
    fired = sum(bool(engine.fire("GET", "/c")) for _ in range(200))
    assert 60 < fired < 140  # seeded, so deterministic; the bounds only say "about half"
    assert engine.fire("POST", "/zzz") == []
    assert engine.fired_counts()["rate_limit"] == 2
    with pytest.raises(FaultRuleError):
        engine.add({"kind": "revoke_tokens"})  # a static API key has no tokens to revoke
