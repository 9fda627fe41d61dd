"""Validation before anything is sent: every rule a Procountor invoice must pass, judged on the whole batch.

Filled in by the next commit; the signature is the contract the load builds on.
"""

from __future__ import annotations

from collections.abc import Sequence

from taimer_procountor.errors.entry import DocumentError
from taimer_procountor.outbound.context import OutboundContext
from taimer_procountor.outbound.transform import PreparedInvoice
from taimer_procountor.taimer.models import Customer, TaimerDocument

BatchItem = tuple[TaimerDocument, Customer | None, tuple[PreparedInvoice, ...]]


def validate_batch(batch: Sequence[BatchItem], ctx: OutboundContext) -> dict[str, tuple[DocumentError, ...]]:
    """The errors of each document of ``batch``, keyed by Taimer document id; an empty tuple means valid."""
    raise NotImplementedError
