"""Procountor's invoice status transitions: for each action (approve, send, verify, ...) the statuses an invoice may
be in when the action is sent and the statuses that mean it has taken effect, per invoice-type group (sales;
purchase, travel and expense). The client reads an invoice back after an unclear answer and decides with this
table whether the action took effect (docs/procountor-client.md, "Invoice actions"); the Procountor sandbox enforces
the same table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SALES_TYPES = frozenset({"SALES_INVOICE", "SALES_ORDER"})
PURCHASE_TYPES = frozenset({"PURCHASE_INVOICE", "PURCHASE_ORDER", "TRAVEL_INVOICE", "BILL_OF_CHARGES"})


@dataclass(frozen=True)
class Transition:
    """What one invoice action does: the statuses it may be sent from and the statuses that mean it has taken
    effect."""

    allowed_from: frozenset[str]
    targets: frozenset[str]


def _t(allowed_from: Iterable[str], targets: Iterable[str]) -> Transition:
    return Transition(frozenset(allowed_from), frozenset(targets))


_SALES_UNDO_FROM = ("NOT_SENT", "APPROVED", "SENT")
_PURCHASE_UNDO_FROM = ("RECEIVED", "VERIFIED", "APPROVED", "PAYMENT_DENIED")
TRANSITIONS: dict[tuple[str, str], Transition] = {
    # Sales: approve -> NOT_SENT (APPROVED with channel NO_SENDING). A SENT invoice has been approved too.
    ("sales", "approve"): _t(["UNFINISHED"], ["NOT_SENT", "APPROVED", "SENT"]),
    ("sales", "send"): _t(["NOT_SENT", "SENT"], ["SENT"]),
    ("sales", "unfinished"): _t(_SALES_UNDO_FROM, ["UNFINISHED"]),
    ("sales", "invalidate"): _t(["UNFINISHED", *_SALES_UNDO_FROM], ["INVALIDATED"]),
    # Purchase, travel and expense invoices (and purchase orders).
    ("purchase", "sendToCirculation"): _t(["UNFINISHED"], ["RECEIVED"]),
    ("purchase", "verify"): _t(["RECEIVED"], ["VERIFIED"]),
    ("purchase", "approve"): _t(["RECEIVED", "VERIFIED"], ["APPROVED"]),
    ("purchase", "reject"): _t(["RECEIVED", "VERIFIED"], ["PAYMENT_DENIED"]),
    ("purchase", "unfinished"): _t(_PURCHASE_UNDO_FROM, ["UNFINISHED"]),
    ("purchase", "invalidate"): _t(["UNFINISHED", *_PURCHASE_UNDO_FROM], ["INVALIDATED"]),
}
# Invoice types outside both groups: only the target is known, so an unknown outcome is never resent.
GENERIC_TARGETS: dict[str, str] = {
    "approve": "APPROVED",
    "send": "SENT",
    "sendToCirculation": "RECEIVED",
    "verify": "VERIFIED",
    "reject": "PAYMENT_DENIED",
    "unfinished": "UNFINISHED",
    "invalidate": "INVALIDATED",
}


def transition_for(invoice_type: str | None, action: str) -> tuple[Transition, bool]:
    """The transition of ``action`` for an invoice of ``invoice_type`` and whether the type is one we know the
    rules of. Actions a known type does not have (e.g. verify on a sales invoice) allow nothing and reach nothing."""
    group = "sales" if invoice_type in SALES_TYPES else "purchase" if invoice_type in PURCHASE_TYPES else None
    if group is None:
        return _t([], [GENERIC_TARGETS[action]]), False
    return TRANSITIONS.get((group, action), _t([], [])), True
