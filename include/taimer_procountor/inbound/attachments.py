"""Attachments of received purchase invoices: copied from Procountor onto their Taimer bill, each once.

An invoice's attachments are listed on the invoice itself (``Invoice.attachments``); each is read with
``GET /attachments/{id}`` and stored with ``TaimerAdapter.put_bill_attachment``, keyed by its Procountor id, so a
rerun or the watermark's overlap never stores one twice. What is on the bill already is known from the ledger's
mapping (``details["attachments"]``) and from the bill Taimer answers ``upsert_bill`` with.

The content rules are the outbound side's (``outbound.attachments.read_attachment``: type by content, at most
10,000,000 bytes). A refused attachment is a notice with its code and is not tried again; the bill goes without it.
A Procountor or Taimer failure is an error (``INBOUND_ATTACHMENT_NOT_COPIED``) that holds the watermark, so the next
run tries it again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from taimer_procountor.outbound.attachments import AttachmentRefusedError, read_attachment
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError
from taimer_procountor.procountor.models import Invoice
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import Bill

NOT_COPIED = "INBOUND_ATTACHMENT_NOT_COPIED"


@dataclass
class AttachmentCopy:
    """What one invoice's attachments came to: ids on the bill (``stored``), refused ids, failures and problems."""

    stored: set[int] = field(default_factory=set)
    refused: set[int] = field(default_factory=set)
    copied: int = 0
    failed: int = 0
    errors: list[Problem] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)

    def to_details(self) -> dict[str, list[int]]:
        """The mapping's record of what is settled (stored or refused: neither is tried again)."""
        return {"stored": sorted(self.stored), "refused": sorted(self.refused)}


def recorded(details: dict[str, object], bill: Bill | None = None) -> AttachmentCopy:
    """What the mapping (and the bill Taimer answered with, when there is one) says is settled already."""
    raw = details.get("attachments")
    record = raw if isinstance(raw, dict) else {}
    done = AttachmentCopy(
        stored={int(i) for i in record.get("stored") or []},
        refused={int(i) for i in record.get("refused") or []},
    )
    if bill is not None:
        done.stored |= {a.procountor_attachment_id for a in bill.attachments if a.procountor_attachment_id is not None}
    return done


def pending(invoice: Invoice, done: AttachmentCopy) -> list[int]:
    """Ids of the invoice's attachments not settled yet, in Procountor's order."""
    ids: Iterable[int | None] = (a.id for a in invoice.attachments or [])
    return [i for i in ids if i is not None and i not in done.stored and i not in done.refused]


def copy_attachments(
    client: ProcountorClient, taimer: TaimerAdapter, invoice: Invoice, bill_id: str, done: AttachmentCopy, where: str
) -> AttachmentCopy:
    """Copy every pending attachment of ``invoice`` onto bill ``bill_id``; ``done`` is updated and returned."""
    for attachment_id in pending(invoice, done):
        try:
            meta, content = client.attachments.get(attachment_id)
            data = read_attachment(meta.name, len(content), [content])
            taimer.put_bill_attachment(bill_id, attachment_id, meta.name, data, mime_type=meta.mime_type)
        except AttachmentRefusedError as exc:
            done.refused.add(attachment_id)
            done.notices.append(Problem(exc.code, where, field="attachments", detail=exc.error.detail))
            continue
        except (ProcountorError, TaimerError) as exc:
            done.failed += 1
            detail = f"attachment {attachment_id}: {exc.code}: {exc.message} (watermark held)"
            done.errors.append(Problem(NOT_COPIED, where, field="attachments", detail=detail))
            continue
        done.stored.add(attachment_id)
        done.copied += 1
    return done
