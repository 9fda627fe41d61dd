"""Conformance of a ``TaimerAdapter`` implementation: what the sync code relies on, whatever the way into Taimer.

Only the Protocol's methods are called on adapters (from ``adapter_factory``); ``taimer_backend`` sets up and inspects
Taimer's state (conftest.py says how to plug in another implementation). Every test starts from the default
installation (``sandboxes.taimer.datasets.default_dataset()``, Esimerkki Oy). Transport details (request counts,
retries, faults, auth, redaction) are not part of the contract; they live in the tests of each implementation
(tests/integration/test_taimer_rest_adapter.py for the REST one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sandboxes.seed.attachments import blob_size, iter_blob
from sandboxes.taimer.datasets import default_dataset, paging_dataset
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import (
    TaimerAttachmentUnavailableError,
    TaimerError,
    TaimerNotFoundError,
    TaimerValidationError,
)
from taimer_procountor.taimer.models import (
    ApprovalState,
    BillUpsert,
    DocumentKind,
    IntegrationError,
    IntegrationUpdate,
    LinkedProcountorInvoice,
    PaymentSource,
    PersonIdMatch,
    ReferenceAccount,
    ReferenceKind,
    RoutingReason,
    RowKind,
    SalesInvoice,
    Supplier,
    SyncState,
    TravelReport,
    VatRate,
    VatRateKind,
)

# --------------------------------------------------------------------------------------------- registers


def test_taimer_conformance_satisfies_the_protocol(taimer) -> None:
    assert isinstance(taimer, TaimerAdapter)


def test_taimer_conformance_company_users_and_registers(taimer) -> None:
    company = taimer.get_company_settings()
    assert company.business_id == "1234567-1"
    assert company.bank_accounts[0].iban == "FI2112345600000785"
    assert company.sales_invoice_start_number == 1001
    assert company.default_purchase_invoice_recipient_user_id == "u-1"

    users = {u.id: u for u in taimer.iter_users()}
    assert users["u-1"].procountor_person_id == 5001
    assert users["u-3"].can_receive_purchase_invoices is False
    assert users["u-3"].purchase_invoice_view_right.value == "pre_approve_only"

    assert taimer.get_customer("c-1").einvoice_operator == "003721291126"
    with pytest.raises(TaimerNotFoundError) as info:
        taimer.get_customer("no-such-customer")
    assert info.value.code == "TAIMER_NOT_FOUND"
    assert {p.number: p.manager_user_id for p in taimer.iter_projects()} == {"P-100": "u-2", "P-200": "u-3"}
    assert {p.id: p.procountor_product_id for p in taimer.iter_products()} == {"prod-1": 9001, "prod-2": 9002}
    assert [w.account for w in taimer.iter_work_types()] == ["3000"]


def test_taimer_conformance_many_users_all_listed_once(taimer_backend, adapter_factory) -> None:
    dataset = default_dataset()
    template = dataset.users[0]
    dataset.users = [template.model_copy(update={"id": f"u-{n:04d}", "email": None}) for n in range(250, 0, -1)]
    taimer_backend.load(dataset)

    ids = [u.id for u in adapter_factory().iter_users()]

    assert ids == sorted(ids) and len(ids) == 250 and len(set(ids)) == 250  # stable order, nothing lost or repeated


# --------------------------------------------------------------------------------------------- listings


def test_taimer_conformance_iter_ready_per_kind(taimer) -> None:
    ready = {kind: [s.id for s in taimer.iter_ready(kind)] for kind in DocumentKind}
    assert ready == {
        DocumentKind.SALES_INVOICE: ["si-1", "si-2"],  # si-3 is not marked for transfer
        DocumentKind.BILL: ["b-1"],
        DocumentKind.EXPENSE_REPORT: ["er-1"],
        DocumentKind.TRAVEL_REPORT: ["tr-1"],
    }
    first = next(iter(taimer.iter_ready(DocumentKind.SALES_INVOICE)))
    assert first.kind is DocumentKind.SALES_INVOICE and first.sync_state is SyncState.READY


def test_taimer_conformance_iter_ready_small_pages(taimer_backend, adapter_factory) -> None:
    dataset = paging_dataset(30)  # every sixth invoice already transferred: 25 ready
    taimer_backend.load(dataset)
    expected = [f"si-{n:03d}" for n in range(1, 31) if n % 6]  # 25 ready
    taimer = adapter_factory()

    for page_size in (1, 7, 25, 100):
        assert [s.id for s in taimer.iter_ready(DocumentKind.SALES_INVOICE, page_size=page_size)] == expected


def test_taimer_conformance_iter_changed_since(taimer_backend, taimer) -> None:
    since = datetime.now(UTC)
    time.sleep(0.01)  # the edit below must be later than `since` whatever the clock's resolution
    assert list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, since)) == []
    taimer_backend.edit_document(DocumentKind.SALES_INVOICE, "si-3", {"notes": "muutettu"})

    changed = list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, since))

    assert [c.id for c in changed] == ["si-3"]
    assert changed[0].updated_at is not None and changed[0].updated_at >= since
    assert len(list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, datetime(2000, 1, 1, tzinfo=UTC)))) == 3
    # a write-back is not a content change
    taimer.write_back(DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(sync_state=SyncState.IN_PROGRESS))
    assert [c.id for c in taimer.iter_changed_since(DocumentKind.SALES_INVOICE, since)] == ["si-3"]


# --------------------------------------------------------------------------------------------- documents


def test_taimer_conformance_get_document_every_kind(taimer) -> None:
    invoice = taimer.get_document(DocumentKind.SALES_INVOICE, "si-1")
    assert isinstance(invoice, SalesInvoice)
    assert [r.kind for r in invoice.rows] == [RowKind.HEADER, RowKind.PRODUCT, RowKind.DESCRIPTION]
    assert invoice.rows[1].description_lines[0] == "Suunnittelu ja määrittely"
    assert invoice.rows[1].unit_price == Decimal("95.00")
    assert invoice.sales_account == "3000" and invoice.cost_center == "100"
    assert [a.id for a in invoice.attachments] == ["att-1", "att-2"]

    bill = taimer.get_document(DocumentKind.BILL, "b-1")
    assert bill.total_gross == Decimal("125.50")

    expense = taimer.get_document(DocumentKind.EXPENSE_REPORT, "er-1")
    assert {r.payment_source for r in expense.rows} == {PaymentSource.OWN, PaymentSource.COMPANY}
    assert expense.rows[1].receipt_date == date(2025, 1, 17)

    travel = taimer.get_document(DocumentKind.TRAVEL_REPORT, "tr-1")
    assert isinstance(travel, TravelReport)
    assert travel.legs[0].places == "Tampere"
    assert travel.mileage_rows[0].kilometres == Decimal("356")

    with pytest.raises(TaimerNotFoundError):
        taimer.get_document(DocumentKind.BILL, "nope/../x")


def test_taimer_conformance_attachment_content(taimer) -> None:
    blobs = default_dataset().attachment_blobs
    for attachment_id in ("att-1", "att-2"):
        expected = b"".join(iter_blob(blobs[attachment_id]))
        for chunk_size in (1000, 65536):
            chunks = list(taimer.iter_attachment_content(attachment_id, chunk_size=chunk_size))
            assert b"".join(chunks) == expected
            assert all(0 < len(c) <= chunk_size for c in chunks)
    assert len(b"".join(taimer.iter_attachment_content("att-1"))) == blob_size(blobs["att-1"]) == 4096

    with pytest.raises(TaimerAttachmentUnavailableError) as info:
        list(taimer.iter_attachment_content("att-3"))  # lives in Google Drive
    assert info.value.code == "TAIMER_ATTACHMENT_UNAVAILABLE"
    with pytest.raises(TaimerError):
        list(taimer.iter_attachment_content("no-such-attachment"))


# --------------------------------------------------------------------------------------------- write-back


def test_taimer_conformance_write_back_changes_only_what_it_carries(taimer_backend, taimer) -> None:
    status = taimer.write_back(
        DocumentKind.EXPENSE_REPORT,
        "er-1",
        IntegrationUpdate(
            sync_state=SyncState.TRANSFERRED,
            procountor_id=880001,
            procountor_number=42,
            linked_invoices=[
                LinkedProcountorInvoice(procountor_id=880001, payment_source=PaymentSource.OWN),
                LinkedProcountorInvoice(procountor_id=880002, payment_source=PaymentSource.COMPANY),
            ],
        ),
    )
    assert status.procountor_id == 880001

    taimer.write_back(
        DocumentKind.EXPENSE_REPORT,
        "er-1",
        IntegrationUpdate(paid_amount=Decimal("38.40"), paid_date=date(2025, 2, 20)),
    )
    report = next(r for r in taimer_backend.state().expense_reports if r.id == "er-1")
    integration = report.integration
    assert integration.sync_state is SyncState.TRANSFERRED
    assert integration.procountor_number == 42
    assert [x.payment_source for x in integration.linked_invoices] == [PaymentSource.OWN, PaymentSource.COMPANY]
    assert integration.paid_amount == Decimal("38.40")
    assert integration.paid_date == date(2025, 2, 20)

    # errors and linked_invoices replace the list
    taimer.write_back(
        DocumentKind.SALES_INVOICE,
        "si-1",
        IntegrationUpdate(
            sync_state=SyncState.FAILED,
            errors=[IntegrationError(code="ERROR_OPERATOR", field="counterParty.einvoiceAddress.operator")],
        ),
    )
    taimer.write_back(
        DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(errors=[IntegrationError(code="CLOSED_FISCAL_PERIOD")])
    )
    assert [s.id for s in taimer.iter_ready(DocumentKind.SALES_INVOICE)] == ["si-2"]
    doc = taimer.get_document(DocumentKind.SALES_INVOICE, "si-1")
    assert [e.code for e in doc.integration.errors] == ["CLOSED_FISCAL_PERIOD"]
    assert doc.integration.sync_state is SyncState.FAILED

    with pytest.raises(TaimerValidationError) as info:
        taimer.write_back(DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(approval_state=ApprovalState.APPROVED))
    assert info.value.field == "approval_state"
    with pytest.raises(TaimerNotFoundError):
        taimer.write_back(DocumentKind.BILL, "no-such-bill", IntegrationUpdate(procountor_id=1))


# --------------------------------------------------------------------------------------------- inbound bills


def _inbound(procountor_id: int, **overrides) -> BillUpsert:
    base = {
        "procountor_id": procountor_id,
        "procountor_status": "RECEIVED",
        "supplier": Supplier(name="Sähkö Oy", business_id="2222222-2"),
        "invoice_date": date(2025, 3, 1),
        "due_date": date(2025, 3, 31),
        "total_gross": Decimal("251.00"),
        "project_number": "P-100",
        "recipient_user_id": "u-2",
        "routing_reason": RoutingReason.PROJECT_MANAGER,
    }
    return BillUpsert(**{**base, **overrides})


def test_taimer_conformance_upsert_bill_is_idempotent(taimer_backend, taimer) -> None:
    first = taimer.upsert_bill(_inbound(90001))
    second = taimer.upsert_bill(_inbound(90001))
    assert first.created is True
    assert second.created is False
    assert first.bill.id == second.bill.id
    assert second.bill.updated_at == first.bill.updated_at  # nothing changed, nothing touched

    changed = taimer.upsert_bill(_inbound(90001, procountor_status="APPROVED", total_gross=Decimal("260.00")))
    assert changed.created is False
    assert changed.bill.total_gross == Decimal("260.00")

    bills = [b for b in taimer_backend.state().bills if b.procountor_id == 90001]
    assert len(bills) == 1
    assert bills[0].direction.value == "inbound"
    assert bills[0].routing_reason is RoutingReason.PROJECT_MANAGER
    assert bills[0].integration.procountor_status == "APPROVED"


def test_taimer_conformance_concurrent_upserts_of_one_bill_make_one(
    taimer_backend, adapter_factory: Callable[[], TaimerAdapter]
) -> None:
    errors: list[BaseException] = []
    created: list[bool] = []

    def worker() -> None:
        try:
            created.append(adapter_factory().upsert_bill(_inbound(90002)).created)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(created) == [False] * 5 + [True]
    assert len([b for b in taimer_backend.state().bills if b.procountor_id == 90002]) == 1


def test_taimer_conformance_approvals_to_push_and_write_back(taimer) -> None:
    approvals = list(taimer.iter_approvals_to_push())
    assert [(a.bill_id, a.procountor_id, a.approved_by_user_id) for a in approvals] == [("b-2", 70001, "u-2")]

    taimer.write_back(DocumentKind.BILL, "b-2", IntegrationUpdate(approval_state=ApprovalState.APPROVED_IN_PROCOUNTOR))
    assert list(taimer.iter_approvals_to_push()) == []
    assert taimer.get_document(DocumentKind.BILL, "b-2").approval_state is ApprovalState.APPROVED_IN_PROCOUNTOR


# --------------------------------------------------------------------------------------------- reference data


def test_taimer_conformance_write_reference_counts(taimer_backend, taimer) -> None:
    accounts = [ReferenceAccount(number="3000", name="Myynti ALV 25,5 %"), ReferenceAccount(number="3010", name="B")]
    first = taimer.write_reference(ReferenceKind.ACCOUNTS, accounts)
    assert (first.created, first.updated, first.unchanged, first.removed) == (2, 0, 0, 0)

    again = taimer.write_reference(ReferenceKind.ACCOUNTS, accounts)
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 2, 0)

    third = taimer.write_reference(
        ReferenceKind.ACCOUNTS,
        [ReferenceAccount(number="3000", name="Myynti ALV 25,5 % (uusi)"), ReferenceAccount(number="3100", name="C")],
    )
    assert (third.created, third.updated, third.unchanged, third.removed) == (1, 1, 0, 1)

    vats = taimer.write_reference(
        ReferenceKind.VAT_RATES,
        [
            VatRate(percent=Decimal("24"), kind=VatRateKind.SALES, valid_to=date(2024, 8, 31)),
            VatRate(percent=Decimal("25.5"), kind=VatRateKind.SALES, valid_from=date(2024, 9, 1)),
            VatRate(percent=Decimal("14"), kind=VatRateKind.PURCHASE, valid_to=date(2025, 12, 31)),
        ],
    )
    assert vats.created == 3

    persons = taimer.write_reference(
        ReferenceKind.PERSON_IDS,
        [
            PersonIdMatch(person_id=5001, name="Maija Meikäläinen", user_id="u-1"),  # already set
            PersonIdMatch(person_id=5003, name="Liisa Äijälä", user_id="u-3"),
            PersonIdMatch(person_id=5999, name="Ei Taimerissa"),
        ],
    )
    assert persons.created == 3 and persons.users_updated == 1
    users = {u.id: u for u in taimer.iter_users()}
    assert users["u-3"].procountor_person_id == 5003
    assert users["u-2"].procountor_person_id == 5002  # not in the set: a hand-entered ID is kept

    reference = taimer_backend.state().reference
    assert [a.number for a in reference.accounts] == ["3000", "3100"]
    assert len(reference.vat_rates) == 3

    with pytest.raises(TaimerValidationError):
        taimer.write_reference(ReferenceKind.PERSON_IDS, [PersonIdMatch(person_id=1, name="x", user_id="u-404")])
    with pytest.raises(TaimerValidationError):
        taimer.write_reference(ReferenceKind.ACCOUNTS, [VatRate(percent=Decimal("24"), kind=VatRateKind.SALES)])
    assert [a.number for a in taimer_backend.state().reference.accounts] == ["3000", "3100"]  # refused: unchanged
