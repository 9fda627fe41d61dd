"""The load steps of the reference sync, plain functions over a ``Ledger`` and a ``TaimerAdapter``:
``store_snapshot`` saves what ``extract.fetch_snapshot`` read as one snapshot per kind in the ledger, ``push_kind``
writes one Taimer kind from the ledger's snapshot. The DAG calls one per task; tests call them directly. Each
returns a small JSON-able summary (ids and counts, never the data), which is what travels through XCom.

Push protocol (only what changed is written): for each Taimer kind, build the full desired set from the ledger's
current snapshot rows, ask the ledger which items differ from what was last pushed
(``pending_reference_pushes``) and which pushed keys disappeared (``pending_reference_removals``). Nothing pending:
no request to Taimer at all. Something pending: write the kind's full set (the Taimer contract replaces a kind as a
whole, so a partial set would delete the rest; Taimer itself counts created/updated/unchanged/removed), and only
after that write succeeded mark the pending items pushed. A failure between the write and the mark makes the next
attempt write the same set again, which the contract makes harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from taimer_procountor.redaction import get_logger
from taimer_procountor.reference.extract import (
    KEEP_ITEM,
    KEEP_MISSING,
    SKIP_KIND,
    FetchedSnapshot,
)
from taimer_procountor.reference.kinds import PUSHED_KEY_FIELD, SNAPSHOT_KINDS, TAIMER_KINDS, pushed_kind
from taimer_procountor.reference.persons import MatchResult, match_persons
from taimer_procountor.reference.transform import (
    account_items,
    cost_center_items,
    is_finnish,
    person_items,
    product_items,
    vat_rate_items,
)
from taimer_procountor.reference.validate import screen_items

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger
    from taimer_procountor.taimer.adapter import TaimerAdapter
    from taimer_procountor.taimer.models import User

log = get_logger(__name__)


def store_snapshot(ledger: Ledger, fetched: FetchedSnapshot, *, fetched_at: datetime | None = None) -> dict[str, Any]:
    """Save one snapshot per kind in the ledger; return per-kind ids and added/changed/removed/unchanged/kept
    counts, the problems (errors of the report) and notices.

    Each kind is saved in one transaction of its own, whole or not at all. What problems do to a kind:

    - ``skip_kind`` (the cost-center dimension not found, the company answer unreadable): the kind is not saved, so
      the ledger keeps its last good state instead of recording every item as removed;
    - ``keep_item`` (a malformed row with an id, a repeated key): the rest of the kind is saved; that item keeps its
      last good copy (it is not marked removed, and a new item that never had a good copy is simply absent);
    - ``keep_missing`` (a malformed row without an id): the rest is saved and no item of the kind is marked removed.

    The run goes on either way; the problems make the run ``partial``."""
    problems = list(fetched.problems)
    kinds: dict[str, Any] = {}
    for kind, key_field in SNAPSHOT_KINDS.items():
        items, screened = screen_items(kind, fetched.items[kind], key_field)
        problems += screened
        mine = [p for p in problems if p.kind == kind]
        if any(p.effect == SKIP_KIND for p in mine):
            kinds[kind] = {"snapshot_id": None, "items": None, "skipped": True}
            continue
        diff = ledger.reference.save_reference_snapshot(
            kind,
            items,
            key_field=key_field,
            fetched_at=fetched_at,
            keep_keys=[p.item for p in mine if p.effect == KEEP_ITEM and p.item is not None],
            keep_missing=any(p.effect == KEEP_MISSING for p in mine),
        )
        kinds[kind] = {"snapshot_id": diff.snapshot_id, "items": len(items), **diff.summary()}
    changed = any(k.get("added") or k.get("changed") or k.get("removed") for k in kinds.values())
    return {
        "kinds": kinds,
        "changed": changed,
        "problems": [p.to_json() for p in problems],
        "notices": [n.to_json() for n in fetched.notices],
    }


def desired_items(
    ledger: Ledger, taimer_kind: str, *, users: Sequence[User] | None = None, pseudonym_key: str | None = None
) -> tuple[list[tuple[str, Any]], MatchResult | None]:
    """The full set of ``taimer_kind`` Taimer should hold, built from the ledger's current snapshot rows (and, for
    person IDs, matched to ``users``; ``pseudonym_key``: the identifier HMAC key, None = match by e-mail only)."""
    (source,) = TAIMER_KINDS[taimer_kind]
    rows = ledger.reference.reference_items(source)
    if taimer_kind == "accounts":
        return account_items(rows), None
    if taimer_kind == "cost_centers":
        return cost_center_items(rows), None
    if taimer_kind == "products":
        return product_items(rows), None
    if taimer_kind == "vat_rates":
        return vat_rate_items(rows, finnish=is_finnish(ledger.reference.reference_items("company"))), None
    if taimer_kind == "person_ids":
        matches = match_persons(rows, users or [], pseudonym_key=pseudonym_key)
        return person_items(rows, matches), matches
    raise ValueError(f"unknown Taimer reference kind {taimer_kind!r}")


def push_kind(
    ledger: Ledger, taimer: TaimerAdapter, taimer_kind: str, *, full: bool = False, pseudonym_key: str | None = None
) -> dict[str, Any]:
    """Bring Taimer's ``taimer_kind`` up to date with the ledger, writing only if something changed (``full``:
    write the whole set even if the ledger thinks Taimer has it, e.g. after someone edited Taimer by hand).

    Retry-safe: a failure after the Taimer write and before the ledger's mark leaves the items pending, so the
    retry writes the same full set again (the contract makes that harmless) and then marks them."""
    from taimer_procountor.taimer.models import ReferenceKind

    users = list(taimer.iter_users()) if taimer_kind == "person_ids" else None
    desired, matches = desired_items(ledger, taimer_kind, users=users, pseudonym_key=pseudonym_key)
    records = [{PUSHED_KEY_FIELD: key, "item": model.model_dump(mode="json")} for key, model in desired]
    kind = pushed_kind(taimer_kind)
    pending = records if full else ledger.reference.pending_reference_pushes(kind, records, key_field=PUSHED_KEY_FIELD)
    removals = ledger.reference.pending_reference_removals(kind, records, key_field=PUSHED_KEY_FIELD)
    summary: dict[str, Any] = {
        "kind": taimer_kind,
        "desired": len(records),
        "pending": len(pending),
        "pending_removals": len(removals),
        "unchanged": len(records) - len(pending),
        "written": False,
        "pushed": 0,
        "write": None,
    }
    if pending or removals:
        result = taimer.write_reference(ReferenceKind(taimer_kind), [model for _key, model in desired])
        ledger.reference.mark_reference_pushed(kind, pending, key_field=PUSHED_KEY_FIELD)
        ledger.reference.mark_reference_removed(kind, removals)
        summary.update(written=True, pushed=len(pending), write=result.model_dump(mode="json", exclude={"kind"}))
        log.info(
            "Taimer %s: wrote %d items (%d pending, %d removed): %s",
            taimer_kind,
            len(records),
            len(pending),
            len(removals),
            summary["write"],
        )
    else:
        log.info("Taimer %s: nothing changed (%d items), nothing written", taimer_kind, len(records))
    if matches is not None:
        summary["persons"] = matches.summary()
    return summary
