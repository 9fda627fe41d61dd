"""Received purchase invoices (Procountor) -> bills in Taimer, routed, with their Procountor status kept current.

One run: search the window (``extract.window_for``) for purchase invoices in ``RECEIVED`` or a later status; for each
new or changed one (its ``version`` differs from the ledger's mapping) read the invoice, route it (``route``; decided
once, when the invoice first comes over: later reads keep the recorded recipient and move only the status and the
content), write it with ``upsert_bill`` (idempotent by Procountor id) unless its content hash equals the mapping's,
and record the mapping (``inbound_mapping`` kind ``purchase_invoice``: Procountor id -> Taimer bill id, the version,
status and routing with its reason).

The watermark moves to the newest version read only after every invoice of the batch is safely in Taimer: one
failed write leaves it where it was, so the next run reads the whole batch again (the mapping's hash makes that
cheap and creates no second bill). A backfill (date range) and a dry run never move it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from taimer_procountor.inbound.extract import (
    OVERLAP,
    RECEIVED_STATUSES,
    Window,
    advance_after_batch,
    bill_from_invoice,
    parse_version,
    routing_fields,
    search_window,
)
from taimer_procountor.inbound.result import MAX_LISTED, StepResult
from taimer_procountor.inbound.route import RoutingDecision, RoutingFacts, RoutingNote, route
from taimer_procountor.ledger import Ledger, content_hash
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.errors import ProcountorError, ProcountorNotFound
from taimer_procountor.redaction import get_logger
from taimer_procountor.summary import Problem
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerError
from taimer_procountor.taimer.models import RoutingReason

log = get_logger(__name__)

MAPPING_KIND = "purchase_invoice"
INVOICE_INVALID = "INBOUND_INVOICE_INVALID"
BILL_NOT_WRITTEN = "INBOUND_BILL_NOT_WRITTEN"


@dataclass(kw_only=True)
class BillsResult(StepResult):
    """What one run did with purchase invoices: counts, routing decisions (with reasons), problems, watermark."""

    window: Window
    decisions: list[dict[str, Any]] = field(default_factory=list)
    watermark: dict[str, Any] = field(default_factory=dict)

    def extra_json(self) -> dict[str, Any]:
        return {
            "window": self.window.to_json(),
            "reasons": dict(Counter(d["reason"] for d in self.decisions)),
            "decisions": self.decisions[:MAX_LISTED],
            "watermark": self.watermark,
        }


def _where(procountor_id: int) -> str:
    return f"purchase_invoice {procountor_id}"


def _recorded_decision(details: dict[str, Any]) -> RoutingDecision | None:
    """The routing recorded when the invoice first came over (None when it was unrouted: route again)."""
    routing = details.get("routing") or {}
    try:
        reason = RoutingReason(str(routing.get("reason")))
    except ValueError:
        return None
    if reason is RoutingReason.UNROUTED or not routing.get("recipient_user_id"):
        return None
    notes = tuple(RoutingNote(n["code"], n["detail"]) for n in routing.get("notes") or [])
    return RoutingDecision(routing["recipient_user_id"], reason, notes)


def load_bills(
    ledger: Ledger, client: ProcountorClient, taimer: TaimerAdapter, window: Window, *, dry_run: bool = False
) -> BillsResult:
    """Bring the window's received purchase invoices into Taimer (see the module docstring)."""
    result = BillsResult(window=window, dry_run=dry_run)
    hits = search_window(client, window, types=["PURCHASE_INVOICE"], statuses=RECEIVED_STATUSES)
    result.counts["extracted"] = len(hits)
    facts: RoutingFacts | None = None
    newest: datetime | None = None
    for hit in hits:
        version = parse_version(hit.version)
        if version is not None and (newest is None or version > newest):
            newest = version
        mapping = ledger.inbound.get_inbound_mapping(MAPPING_KIND, procountor_id=hit.id)
        details = dict(mapping.details or {}) if mapping else {}
        if mapping and mapping.taimer_id and details.get("version") == hit.version:
            result.counts["unchanged"] += 1  # the overlap window read it again: nothing new
            continue
        try:
            invoice = client.invoices.get(hit.id)
        except ProcountorNotFound:
            result.notices.append(Problem("PROCOUNTOR_NOT_FOUND", _where(hit.id), detail="gone since the search"))
            continue
        except ProcountorError as exc:  # after the client's own retries: read it again next run
            result.counts["failed"] += 1
            result.errors.append(Problem(exc.code, _where(hit.id), detail=f"{exc.message} (watermark held)"))
            continue
        except ValidationError as exc:
            fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})[:5]
            result.errors.append(Problem(INVOICE_INVALID, _where(hit.id), detail=f"fields {fields}"))
            result.counts["invalid"] += 1
            continue
        project, person = routing_fields(invoice)
        decision = _recorded_decision(details)
        first_routing = decision is None
        if decision is None:
            if facts is None:
                facts = RoutingFacts.build(taimer.iter_projects(), taimer.iter_users(), taimer.get_company_settings())
            decision = route(project, person, facts)
        bill = bill_from_invoice(
            invoice,
            recipient_user_id=decision.recipient_user_id,
            routing_reason=decision.reason,
            project=project,
            person=person,
        )
        digest = content_hash(bill.model_dump(mode="json"))
        entry: dict[str, Any] = {
            "procountor_id": hit.id,
            "status": invoice.status,
            "project_number": project,
            "person_id": person,
            **decision.to_json(),
        }
        if first_routing:
            for note in decision.notes:
                fatal = decision.reason is RoutingReason.UNROUTED and note is decision.notes[-1]
                (result.errors if fatal else result.notices).append(
                    Problem(note.code, _where(hit.id), detail=note.detail)
                )
        unchanged = bool(mapping and mapping.taimer_id and mapping.content_hash == digest)
        if unchanged and mapping is not None:
            result.counts["unchanged"] += 1
            entry.update(taimer_bill_id=mapping.taimer_id, action="unchanged")
        elif dry_run:
            result.counts["would_create" if mapping is None else "would_update"] += 1
            entry.update(taimer_bill_id=mapping.taimer_id if mapping else None, action="dry_run")
        else:
            try:
                written = taimer.upsert_bill(bill)
            except TaimerError as exc:
                result.counts["failed"] += 1
                result.errors.append(Problem(BILL_NOT_WRITTEN, _where(hit.id), detail=f"{exc.code}: {exc.message}"))
                continue
            result.counts["created" if written.created else "updated"] += 1
            entry.update(taimer_bill_id=written.bill.id, action="created" if written.created else "updated")
        result.decisions.append(entry)
        if not dry_run:
            ledger.inbound.upsert_inbound_mapping(
                MAPPING_KIND,
                hit.id,
                entry["taimer_bill_id"],
                content_hash=digest,
                details={"version": hit.version, "status": invoice.status, "routing": decision.to_json()},
            )
    result.watermark = advance_after_batch(
        ledger, window, newest, dry_run=dry_run, failed=result.counts["failed"], overlap=OVERLAP
    )
    return result
