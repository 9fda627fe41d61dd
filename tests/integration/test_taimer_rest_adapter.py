"""The Taimer REST adapter against the Taimer sandbox over real HTTP on loopback.

Covers every adapter method, keyset paging over several pages, write-back visible in the sandbox's state, the
idempotent bill upsert, fault handling (retried GET, typed error for a non-idempotent call), auth errors and that
the API key never shows up in logs or exception texts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import requests

from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer import TaimerSandboxSettings, create_app
from sandboxes.taimer.demo import demo_dataset
from taimer_procountor.http import RetryPolicy, Timeouts
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import (
    TaimerAttachmentUnavailableError,
    TaimerAuthError,
    TaimerNotFoundError,
    TaimerOutcomeUnknownError,
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
from taimer_procountor.taimer.rest import TaimerRestAdapter

API_KEY = "tmr-key-7f3a9c51e2b84d06"  # distinctive, so a leak is easy to spot
FAST_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)


@pytest.fixture(scope="module")
def taimer_sandbox() -> Iterator[RunningServer]:
    with serve_in_thread(create_app(TaimerSandboxSettings(api_key=API_KEY))) as server:
        yield server


@pytest.fixture
def sandbox(taimer_sandbox: RunningServer) -> RunningServer:
    requests.post(taimer_sandbox.base_url + "/_control/reset", timeout=5).raise_for_status()
    return taimer_sandbox


def make_adapter(server: RunningServer, api_key: str = API_KEY, **kwargs) -> TaimerRestAdapter:
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeouts", Timeouts(connect=2, read=5))
    kwargs.setdefault("rate_per_second", 200)
    return TaimerRestAdapter(requests.Session(), server.base_url + "/api/v1", api_key, **kwargs)


@pytest.fixture
def taimer(sandbox: RunningServer) -> TaimerRestAdapter:
    return make_adapter(sandbox)


def control(server: RunningServer, method: str, path: str, **kwargs):
    response = requests.request(method, server.base_url + "/_control" + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def api_requests(server: RunningServer, path_part: str) -> list[dict]:
    return [r for r in control(server, "GET", "/requests")["requests"] if path_part in r["path"]]


# --------------------------------------------------------------------------------------------- registers


def test_taimer_rest_adapter_satisfies_the_protocol(taimer: TaimerRestAdapter) -> None:
    assert isinstance(taimer, TaimerAdapter)


def test_taimer_company_users_and_registers(taimer: TaimerRestAdapter) -> None:
    company = taimer.get_company_settings()
    assert company.business_id == "1234567-8"
    assert company.bank_accounts[0].iban == "FI2112345600000785"
    assert company.sales_invoice_start_number == 1001
    assert company.default_purchase_invoice_recipient_user_id == "u-1"

    users = {u.id: u for u in taimer.iter_users()}
    assert users["u-1"].procountor_person_id == 5001
    assert users["u-3"].can_receive_purchase_invoices is False
    assert users["u-3"].purchase_invoice_view_right.value == "pre_approve_only"

    assert taimer.get_customer("c-1").einvoice_operator == "003721291126"
    with pytest.raises(TaimerNotFoundError):
        taimer.get_customer("no-such-customer")
    assert {p.number: p.manager_user_id for p in taimer.iter_projects()} == {"P-100": "u-2", "P-200": "u-3"}
    assert {p.id: p.procountor_product_id for p in taimer.iter_products()} == {"prod-1": 9001, "prod-2": 9002}
    assert [w.account for w in taimer.iter_work_types()] == ["3000"]


# --------------------------------------------------------------------------------------------- listings


def test_taimer_iter_ready_per_kind(taimer: TaimerRestAdapter) -> None:
    ready = {kind: [s.id for s in taimer.iter_ready(kind)] for kind in DocumentKind}
    assert ready == {
        DocumentKind.SALES_INVOICE: ["si-1", "si-2"],  # si-3 is not marked for transfer
        DocumentKind.BILL: ["b-1"],
        DocumentKind.EXPENSE_REPORT: ["er-1"],
        DocumentKind.TRAVEL_REPORT: ["tr-1"],
    }


def test_taimer_paging_across_several_pages(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    dataset = demo_dataset()
    template = dataset.sales_invoices[0]
    dataset.sales_invoices = [
        template.model_copy(
            update={
                "id": f"si-{n:03d}",
                "number": 2000 + n,
                "integration": template.integration.model_copy(
                    update={"sync_state": SyncState.READY if n % 6 else SyncState.TRANSFERRED}
                ),
            }
        )
        for n in range(1, 31)
    ]
    control(sandbox, "POST", "/fixture", json=dataset.model_dump(mode="json"))
    expected = [f"si-{n:03d}" for n in range(1, 31) if n % 6]  # 25 ready

    got = [s.id for s in taimer.iter_ready(DocumentKind.SALES_INVOICE, page_size=7)]

    assert got == expected
    listing_calls = [r for r in api_requests(sandbox, "/sales-invoices") if r["method"] == "GET"]
    assert len(listing_calls) == 4  # 7 + 7 + 7 + 4
    assert all("limit=7" in r["query"] for r in listing_calls)


def test_taimer_iter_changed_since(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    since = datetime.now(UTC) + timedelta(milliseconds=5)
    assert list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, since)) == []
    threading.Event().wait(0.02)
    control(sandbox, "PATCH", "/documents/sales_invoice/si-3", json={"notes": "muutettu"})

    changed = list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, since))

    assert [c.id for c in changed] == ["si-3"]
    assert changed[0].updated_at is not None and changed[0].updated_at >= since
    everything = list(taimer.iter_changed_since(DocumentKind.SALES_INVOICE, datetime(2000, 1, 1)))
    assert len(everything) == 3


# --------------------------------------------------------------------------------------------- documents


def test_taimer_get_document_every_kind(taimer: TaimerRestAdapter) -> None:
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


def test_taimer_attachment_content_streams(taimer: TaimerRestAdapter) -> None:
    chunks = list(taimer.iter_attachment_content("att-1", chunk_size=1000))
    data = b"".join(chunks)
    assert data.startswith(b"%PDF-")
    assert len(data) == 4096
    assert len(chunks) == 5  # 4 x 1000 + 96

    txt = b"".join(taimer.iter_attachment_content("att-2"))
    assert txt.decode("cp1252").startswith("Tuntierittely")

    with pytest.raises(TaimerAttachmentUnavailableError) as info:
        list(taimer.iter_attachment_content("att-3"))  # lives in Google Drive
    assert info.value.code == "TAIMER_ATTACHMENT_UNAVAILABLE"


# --------------------------------------------------------------------------------------------- write-back


def test_taimer_write_back_visible_in_sandbox_state(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
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

    # a second, partial write-back changes only what it carries
    taimer.write_back(
        DocumentKind.EXPENSE_REPORT,
        "er-1",
        IntegrationUpdate(paid_amount=Decimal("38.40"), paid_date=date(2025, 2, 20)),
    )
    state = control(sandbox, "GET", "/state")
    report = next(r for r in state["expense_reports"] if r["id"] == "er-1")
    integration = report["integration"]
    assert integration["sync_state"] == "transferred"
    assert integration["procountor_number"] == 42
    assert [x["payment_source"] for x in integration["linked_invoices"]] == ["own", "company"]
    assert Decimal(integration["paid_amount"]) == Decimal("38.40")
    assert integration["paid_date"] == "2025-02-20"

    taimer.write_back(
        DocumentKind.SALES_INVOICE,
        "si-1",
        IntegrationUpdate(
            sync_state=SyncState.FAILED,
            errors=[IntegrationError(code="ERROR_OPERATOR", field="counterParty.einvoiceAddress.operator")],
        ),
    )
    assert [s.id for s in taimer.iter_ready(DocumentKind.SALES_INVOICE)] == ["si-2"]
    doc = taimer.get_document(DocumentKind.SALES_INVOICE, "si-1")
    assert doc.integration.errors[0].code == "ERROR_OPERATOR"

    with pytest.raises(TaimerValidationError) as info:
        taimer.write_back(DocumentKind.SALES_INVOICE, "si-1", IntegrationUpdate(approval_state=ApprovalState.APPROVED))
    assert info.value.field == "approval_state"


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


def test_taimer_upsert_bill_is_idempotent(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    first = taimer.upsert_bill(_inbound(90001))
    second = taimer.upsert_bill(_inbound(90001))
    assert first.created is True
    assert second.created is False
    assert first.bill.id == second.bill.id
    assert second.bill.updated_at == first.bill.updated_at  # nothing changed, nothing touched

    changed = taimer.upsert_bill(_inbound(90001, procountor_status="APPROVED", total_gross=Decimal("260.00")))
    assert changed.created is False
    assert changed.bill.total_gross == Decimal("260.00")

    bills = [b for b in control(sandbox, "GET", "/state")["bills"] if b["procountor_id"] == 90001]
    assert len(bills) == 1
    assert bills[0]["direction"] == "inbound"
    assert bills[0]["routing_reason"] == "project_manager"
    assert bills[0]["integration"]["procountor_status"] == "APPROVED"


def test_taimer_upsert_bill_concurrent_same_id_makes_one_bill(sandbox: RunningServer) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            make_adapter(sandbox).upsert_bill(_inbound(90002))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len([b for b in control(sandbox, "GET", "/state")["bills"] if b["procountor_id"] == 90002]) == 1


def test_taimer_approvals_to_push_and_write_back(taimer: TaimerRestAdapter) -> None:
    approvals = list(taimer.iter_approvals_to_push())
    assert [(a.bill_id, a.procountor_id, a.approved_by_user_id) for a in approvals] == [("b-2", 70001, "u-2")]

    taimer.write_back(DocumentKind.BILL, "b-2", IntegrationUpdate(approval_state=ApprovalState.APPROVED_IN_PROCOUNTOR))
    assert list(taimer.iter_approvals_to_push()) == []
    assert taimer.get_document(DocumentKind.BILL, "b-2").approval_state is ApprovalState.APPROVED_IN_PROCOUNTOR


# --------------------------------------------------------------------------------------------- reference data


def test_taimer_write_reference_counts(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
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

    state = control(sandbox, "GET", "/state")["reference"]
    assert [a["number"] for a in state["accounts"]] == ["3000", "3100"]
    assert len(state["vat_rates"]) == 3

    with pytest.raises(TaimerValidationError):
        taimer.write_reference(ReferenceKind.PERSON_IDS, [PersonIdMatch(person_id=1, name="x", user_id="u-404")])
    with pytest.raises(TaimerValidationError):
        taimer.write_reference(ReferenceKind.ACCOUNTS, [VatRate(percent=Decimal("24"), kind=VatRateKind.SALES)])


# --------------------------------------------------------------------------------------------- faults


def test_taimer_injected_5xx_on_get_is_retried(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "error_before_commit", "path": "/company$", "count": 2})

    company = taimer.get_company_settings()

    assert company.name == "Esimerkki Oy"
    statuses = [r["status"] for r in api_requests(sandbox, "/company")]
    assert statuses == [503, 503, 200]


def test_taimer_dropped_connection_and_html_500_on_get_are_retried(
    sandbox: RunningServer, taimer: TaimerRestAdapter
) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "drop_after_commit", "path": "/customers/c-1$", "nth": 1})
    control(sandbox, "POST", "/faults", json={"kind": "html_500", "path": "/projects$", "nth": 1})
    control(sandbox, "POST", "/faults", json={"kind": "rate_limit", "path": "/users$", "nth": 1, "retry_after": 0})

    assert taimer.get_customer("c-1").name == "Asiakas Oy"
    assert len(list(taimer.iter_projects())) == 2
    assert len(list(taimer.iter_users())) == 3
    fired = control(sandbox, "GET", "/stats")["faults_fired"]
    assert fired == {"drop_after_commit": 1, "html_500": 1, "rate_limit": 1}


def test_taimer_fault_on_non_idempotent_write_back_is_typed(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "error_after_commit", "path": "/integration$", "method": "PATCH"})

    with pytest.raises(TaimerOutcomeUnknownError) as info:
        taimer.write_back(DocumentKind.BILL, "b-1", IntegrationUpdate(procountor_id=123))

    assert info.value.retryable is True
    assert "PATCH" in str(info.value)
    patches = [r for r in api_requests(sandbox, "/integration") if r["method"] == "PATCH"]
    assert len(patches) == 1  # not retried blindly
    # the sandbox committed before failing: the outcome really was unknown to the client
    bill = next(b for b in control(sandbox, "GET", "/state")["bills"] if b["id"] == "b-1")
    assert bill["integration"]["procountor_id"] == 123


def test_taimer_timeout_on_idempotent_upsert_is_retried_without_duplicates(sandbox: RunningServer) -> None:
    taimer = make_adapter(sandbox, timeouts=Timeouts(connect=2, read=0.5))
    control(
        sandbox,
        "POST",
        "/faults",
        json={"kind": "timeout_after_commit", "path": "/by-procountor-id/", "nth": 1, "seconds": 1.5},
    )

    result = taimer.upsert_bill(_inbound(90003))

    assert result.created is False  # the first, timed-out attempt had created it
    assert len([b for b in control(sandbox, "GET", "/state")["bills"] if b["procountor_id"] == 90003]) == 1


# --------------------------------------------------------------------------------------------- auth and secrets


def test_taimer_wrong_api_key_is_a_clear_auth_error(sandbox: RunningServer) -> None:
    wrong = "tmr-wrong-key-0c6d1f2e9b"
    taimer = make_adapter(sandbox, api_key=wrong)
    with pytest.raises(TaimerAuthError) as info:
        taimer.get_company_settings()
    text = str(info.value)
    assert info.value.code == "TAIMER_UNAUTHORIZED"
    assert "API key" in text and "401" in text
    assert wrong not in text
    assert len(api_requests(sandbox, "/company")) == 1  # auth errors are not retried

    with pytest.raises(TaimerAuthError):
        make_adapter(sandbox, api_key="")


def test_taimer_api_key_absent_from_logs_and_errors(sandbox: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    taimer = make_adapter(sandbox)
    control(sandbox, "POST", "/faults", json={"kind": "error_before_commit", "path": "/company$"})  # always fails
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    try:
        taimer.get_company_settings()
    except Exception as exc:
        texts.extend([str(exc), repr(exc)])
    control(sandbox, "DELETE", "/faults")
    control(sandbox, "POST", "/faults", json={"kind": "error_after_commit", "path": "/integration$"})
    try:
        taimer.write_back(DocumentKind.BILL, "b-1", IntegrationUpdate(procountor_id=2))
    except Exception as exc:
        texts.append(str(exc))

    assert len(texts) == 3
    assert any("retrying" in r.getMessage() for r in caplog.records)  # the retries were logged
    everything = "\n".join(texts + [r.getMessage() for r in caplog.records] + [caplog.text, repr(taimer)])
    assert API_KEY not in everything
    request_log = str(control(sandbox, "GET", "/requests"))
    assert API_KEY not in request_log
