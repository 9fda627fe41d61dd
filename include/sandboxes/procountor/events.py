"""Procountor-side events the sandbox can simulate (control API ``/_control/events/...``, docs/sandbox-procountor.md):
what people and banks do in a real Procountor company, which the inbound flow then has to notice.

- a purchase invoice arrives as an e-invoice (status ``RECEIVED``), naming a project number (``orderReference``)
  and/or a person ID (``buyerReferenceIdentifier``), optionally with verifiers in its circulation;
- a person acts on an invoice in Procountor's UI: approve, verify, reject, invalidate, back to unfinished;
- a payment arrives from the bank (reference payment: status ``PAID`` events, invoice ``PARTLY_PAID`` then
  ``PAID``), partial or full.

Each moves the invoice's ``version`` (so ``versionStartDate`` searches find it) and keeps every answer valid
against the spec. ``ProcountorEvents`` is the HTTP helper for tests and the demo.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import requests

from sandboxes.procountor.errors import ApiError, err, forbidden, not_found
from sandboxes.procountor.state import State, dec, money, now_naive
from taimer_procountor.identifiers import fi_reference_with_check

USER_ACTIONS = ("approve", "verify", "reject", "invalidate", "unfinished", "send", "sendToCirculation")
DEFAULT_ROWS = [
    {"product": "Tarvikkeet", "quantity": 2, "unit": "PIECE", "unitPrice": 50, "discountPercent": 0, "vatPercent": 25.5}
]
PAID_STATUSES_REFUSED = {"UNFINISHED", "INVALIDATED", "PAYMENT_DENIED", "PAID", "MARKED_PAID"}


def received_invoice(
    *,
    invoice_id: int | None = None,
    supplier: str = "Tavarantoimittaja Oy",
    business_id: str = "1572860-0",
    iban: str = "FI2112345600000785",
    day: date | None = None,
    rows: list[dict[str, Any]] | None = None,
    project_number: str | None = None,
    person_id: int | None = None,
    verifiers: list[int] | None = None,
    supplier_invoice_number: str = "70001",
) -> dict[str, Any]:
    """The JSON of a received purchase e-invoice (what ``receive_invoice`` stores)."""
    day = day or now_naive().date()
    if not supplier_invoice_number.isdigit():
        raise ApiError(400, [err("supplier_invoice_number", "digits only (it is the reference number's base)")])
    body: dict[str, Any] = {
        "type": "PURCHASE_INVOICE",
        "status": "RECEIVED",
        "date": day.isoformat(),
        "originalInvoiceNumber": supplier_invoice_number,
        "counterParty": {
            "identifier": business_id,
            "counterPartyAddress": {"name": supplier, "street": "Teollisuustie 1", "zip": "00510", "city": "Helsinki"},
        },
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "currency": "EUR",
            "bankAccount": {"accountNumber": iban, "bic": "NDEAFIHH"},
            "dueDate": (day + timedelta(days=14)).isoformat(),
            "currencyRate": 1,
            "bankReferenceCode": fi_reference_with_check(supplier_invoice_number.zfill(3)[-19:]),
            "bankReferenceCodeType": "FI",
        },
        "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
        "discountPercent": 0,
        "invoiceRows": rows or copy.deepcopy(DEFAULT_ROWS),
        "vatStatus": 1,
        "invoiceChannel": "ELECTRONIC_INVOICE",
    }
    if invoice_id is not None:
        body["id"] = invoice_id
    notes = []
    if project_number:
        body["orderReference"] = project_number
        notes.append(f"Projektinumero: {project_number}")
    if person_id is not None:
        body["buyerReferenceIdentifier"] = str(person_id)
        notes.append(f"Henkilö-ID: {person_id}")
    if notes:
        body["additionalInformation"] = "; ".join(notes)
    if verifiers:
        body["invoiceApprovalInformation"] = {"verifiers": [{"userId": v} for v in verifiers], "acceptors": []}
    return body


def receive_invoice(state: State, body: dict[str, Any]) -> dict[str, Any]:
    """Store a received purchase invoice (``RECEIVED``, version now) with its ledger receipt."""
    return state.add_received(body)


def user_action(state: State, invoice_id: int, action: str) -> dict[str, Any]:
    """A person acting in Procountor's UI: the same transition table as the API (403 where it is not allowed)."""
    if action not in USER_ACTIONS:
        raise ApiError(400, [err("action", f"one of {', '.join(USER_ACTIONS)}")])
    return state.transition(invoice_id, action, by_person=True)


def bank_payment(state: State, invoice_id: int, amount: Any, payment_date: date | None = None) -> dict[str, Any]:
    """A payment from the bank allocated to the invoice (a reference payment): a ``PAID`` payment event; the invoice
    becomes ``PARTLY_PAID`` until the payments reach its total, then ``PAID``."""
    with state.lock:
        inv = state.invoices.get(invoice_id)
        if inv is None:
            raise not_found("Invoice")
        if inv["status"] in PAID_STATUSES_REFUSED:
            raise forbidden()
        value = money(dec(amount))
        if value <= 0:
            raise ApiError(400, [err("amount", "must be positive")])
        day = payment_date or now_naive().date()
        event = {
            "id": next(state._event_ids),
            "invoiceId": invoice_id,
            "type": "REFERENCEPAYMENT",
            "paymentDate": day.isoformat(),
            "status": "PAID",
            "amount": value,
            "currency": (inv.get("paymentInfo") or {}).get("currency", "EUR"),
        }
        return state.add_payment_event(inv, event, "PAID")


class ProcountorEvents:
    """The event routes over HTTP: ``ProcountorEvents("http://127.0.0.1:8700").receive(project_number="1001")``."""

    def __init__(self, base_url: str, *, timeout: float = 10) -> None:
        self.base = base_url.rstrip("/") + "/_control/events"
        self.timeout = timeout

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(self.base + path, json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def receive(self, **fields: Any) -> dict[str, Any]:
        """A received e-invoice; ``fields`` as ``received_invoice`` takes them (``day`` as a date)."""
        body = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()}
        return self._post("/received-invoices", body)

    def act(self, invoice_id: int, action: str) -> dict[str, Any]:
        return self._post(f"/invoices/{invoice_id}/{action}", {})

    def pay(self, invoice_id: int, amount: Any, payment_date: date | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"amount": str(amount)}
        if payment_date:
            body["paymentDate"] = payment_date.isoformat()
        return self._post(f"/invoices/{invoice_id}/payments", body)


def simulate_demo_events(
    base_url: str,
    *,
    project_number: str | None,
    person_id: int | None,
    paid_invoice_ids: Sequence[int] = (),
    amount: str = "10.00",
) -> dict[str, Any]:
    """For the demo: three received e-invoices (one naming ``project_number``, one ``person_id``, one neither), the
    first approved in Procountor by a person; and each of ``paid_invoice_ids`` (e.g. the sales invoices the outbound
    DAG sent, still ``UNFINISHED``) approved by a person in Procountor and paid ``amount`` by the bank (a partial
    payment). Returns the ids it created and the invoices it paid."""
    events = ProcountorEvents(base_url)
    received = [
        events.receive(supplier_invoice_number="80001", project_number=project_number),
        events.receive(supplier_invoice_number="80002", person_id=person_id),
        events.receive(supplier_invoice_number="80003"),
    ]
    events.act(received[0]["id"], "approve")
    paid = []
    for invoice_id in paid_invoice_ids:
        with contextlib.suppress(requests.HTTPError):  # already past approval: pay it as it is
            events.act(invoice_id, "approve")
        try:
            events.pay(invoice_id, amount)
        except requests.HTTPError:  # not payable in its status (e.g. invalidated): skip it
            continue
        paid.append(invoice_id)
    return {"received_invoice_ids": [r["id"] for r in received], "paid_invoice_ids": paid}
