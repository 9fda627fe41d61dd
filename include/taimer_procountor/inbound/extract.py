"""What an inbound run reads from Procountor: the version-date window, the search, and one invoice as a Taimer bill.

Changes are found with ``GET /invoices?versionStartDate=…`` (``version`` is Procountor's last-modified stamp, a
naive datetime in Procountor's clock), never by reading every invoice. A scheduled run reads from the ledger's
watermark minus its overlap window; a run with a date range (a backfill) reads exactly that range and leaves the
watermark alone.

Where a received purchase invoice names its project and person (docs/inbound.md, "Routing fields"): the project
number is the invoice's ``orderReference`` (the buyer's order reference, which Finnish suppliers copy from the
buyer's order: a Taimer company gives its project number there), the person ID is ``buyerReferenceIdentifier``
(the Finvoice buyer reference: who ordered). No bookkeeping field (accounts, dimensions, VAT status) is copied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from taimer_procountor.ledger import Ledger
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.models import Invoice, InvoiceBasicInfo
from taimer_procountor.taimer.models import Address, BillRow, BillUpsert, Supplier

# Procountor commits a version a moment before it becomes visible to searches; read this much again each time.
OVERLAP = timedelta(minutes=10)
# The watermark flows (``ledger.inbound`` watermarks) of the two searches.
BILLS_FLOW = "inbound_purchase_invoices"
PAYMENTS_FLOW = "inbound_payments"
# Before a flow's first run: how far back to read.
FIRST_RUN_LOOKBACK = timedelta(days=365)

# Purchase invoices that arrived in Procountor (e-invoice or scanned) and every status after arriving.
RECEIVED_STATUSES = (
    "RECEIVED",
    "VERIFIED",
    "APPROVED",
    "PAYMENT_DENIED",
    "PAYMENT_QUEUED",
    "PAYMENT_SENT_TO_BANK",
    "PARTLY_PAID",
    "PAID",
    "MARKED_PAID",
    "INVALIDATED",
)
# The statuses whose payment state (or invalidation) goes back to Taimer for the invoices we sent.
PAYMENT_STATUSES = ("PARTLY_PAID", "PAID", "MARKED_PAID", "INVALIDATED")


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in Procountor's clock (``end`` None: up to now). ``backfill``: a date range a person asked
    for; such a run never moves the watermark."""

    flow: str
    start: datetime
    end: datetime | None = None
    backfill: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "backfill": self.backfill,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Window:
        return cls(
            flow=data["flow"],
            start=datetime.fromisoformat(data["start"]),
            end=datetime.fromisoformat(data["end"]) if data.get("end") else None,
            backfill=bool(data.get("backfill")),
        )


def window_for(
    ledger: Ledger,
    flow: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> Window:
    """The window of one flow: the date range (inclusive days) when given, else from the watermark's read point
    (or ``FIRST_RUN_LOOKBACK`` before ``now`` on the first run)."""
    if date_from or date_to:
        start = datetime.combine(date_from or date(2000, 1, 1), time())
        end = datetime.combine(date_to + timedelta(days=1), time()) if date_to else None
        return Window(flow, start, end, backfill=True)
    now = (now or datetime.now()).replace(microsecond=0, tzinfo=None)
    read_from = ledger.inbound.watermark_read_from(flow, default=now - FIRST_RUN_LOOKBACK)
    assert read_from is not None
    return Window(flow, read_from)


def parse_version(value: str | None) -> datetime | None:
    """Procountor's ``version`` (``YYYY-MM-DDTHH:MM:SS``, naive) as a datetime; None when missing or malformed."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=None)


def search_window(
    client: ProcountorClient, window: Window, *, types: Iterable[str], statuses: Iterable[str]
) -> list[InvoiceBasicInfo]:
    """Every invoice of ``types`` in ``statuses`` whose version falls in the window, oldest version first (keyset
    paging by id, so invoices changing during the read are not skipped)."""
    hits = client.invoices.search(
        types=list(types),
        status=list(statuses),
        version_start_date=window.start,
        version_end_date=window.end,
        keyset=True,
    )
    found = [h for h in hits if window.end is None or (parse_version(h.version) or window.start) < window.end]
    return sorted(found, key=lambda h: (parse_version(h.version) or window.start, h.id))


def routing_fields(invoice: Invoice) -> tuple[str | None, int | None]:
    """``(project number, person ID)`` the purchase invoice names (see the module docstring). A person ID that is
    not a number is ignored (it cannot be a Procountor person ID)."""
    project = (invoice.order_reference or "").strip() or None
    raw = str(invoice.buyer_reference_identifier or "").strip()
    person = int(raw) if raw.isdigit() else None
    return project, person


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def bill_from_invoice(
    invoice: Invoice, *, recipient_user_id: str | None, routing_reason: Any, project: str | None, person: int | None
) -> BillUpsert:
    """The Taimer bill of one received purchase invoice (supplier, dates, totals, rows; no bookkeeping fields)."""
    assert invoice.id is not None
    cp = invoice.counter_party
    address = cp.counter_party_address
    pay = invoice.payment_info
    bank = pay.bank_account or cp.bank_account
    sums = invoice.invoice_sum_info[0] if invoice.invoice_sum_info else None
    return BillUpsert(
        procountor_id=invoice.id,
        procountor_status=invoice.status,
        procountor_number=invoice.invoice_number,
        supplier_invoice_number=invoice.original_invoice_number,
        supplier=Supplier(
            name=address.name or "",
            business_id=cp.identifier,
            address=Address(street=address.street, postal_code=address.zip, city=address.city),
            iban=bank.account_number if bank else None,
            bic=bank.bic if bank else None,
        ),
        invoice_date=invoice.date,
        due_date=pay.due_date,
        currency=pay.currency,
        reference_number=pay.bank_reference_code,
        total_net=_money(sums.excluding_vat_total) if sums else None,
        total_vat=_money(sums.vat_sum_total) if sums else None,
        total_gross=_money(sums.invoice_sum_total) if sums else None,
        rows=[
            BillRow(
                name=row.product,
                description=row.comment,
                quantity=row.quantity,
                unit=row.unit,
                unit_price=row.unit_price,
                vat_percent=row.vat_percent,
                discount_percent=row.discount_percent,
            )
            for row in invoice.invoice_rows
        ],
        project_number=project,
        person_id=person,
        recipient_user_id=recipient_user_id,
        routing_reason=routing_reason,
    )


def advance_after_batch(
    ledger: Ledger,
    window: Window,
    newest: datetime | None,
    *,
    dry_run: bool,
    failed: int,
    overlap: timedelta = OVERLAP,
) -> dict[str, Any]:
    """Move the window's watermark to ``newest`` (the newest version read) when the whole batch is safely written:
    never on a dry run, a backfill, an empty read or when ``failed`` items wait for the next run. Returns what
    happened, for the report."""
    held = (
        "dry run"
        if dry_run
        else "backfill (date range)"
        if window.backfill
        else f"{failed} item(s) not written"
        if failed
        else "nothing read"
        if newest is None
        else None
    )
    if held or newest is None:
        current = ledger.inbound.get_watermark(window.flow)
        return {"moved": False, "held": held, "value": current.value.isoformat() if current else None}
    wm = ledger.inbound.advance_watermark(window.flow, newest, overlap=overlap)
    return {"moved": True, "value": wm.value.isoformat(), "overlap_seconds": int(wm.overlap.total_seconds())}
