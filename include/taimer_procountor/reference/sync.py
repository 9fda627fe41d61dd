"""The steps of the reference sync as plain functions over a ``Ledger``, a ``ProcountorClient`` and a
``TaimerAdapter``. The DAG calls one per task; tests call them directly. Each returns a small JSON-able summary
(ids and counts, never the data), which is what travels through XCom.

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
from typing import Any

from taimer_procountor.redaction import get_logger
from taimer_procountor.reference.bank import check_bank_accounts
from taimer_procountor.reference.fetch import FetchedSnapshot
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

log = get_logger(__name__)


def store_snapshot(ledger: Any, fetched: FetchedSnapshot, *, fetched_at: datetime | None = None) -> dict[str, Any]:
    """Save one snapshot per kind in the ledger; return per-kind ids and added/changed/removed/unchanged counts.

    A kind whose fetch had a problem (the cost-center dimension not found) is not saved, so the ledger keeps its
    last good state instead of recording every item as removed."""
    skipped = {p["kind"] for p in fetched.problems if p.get("kind")}
    kinds: dict[str, Any] = {}
    for kind, key_field in SNAPSHOT_KINDS.items():
        if kind in skipped:
            kinds[kind] = {"snapshot_id": None, "items": None, "skipped": True}
            continue
        items = fetched.items[kind]
        diff = ledger.save_reference_snapshot(kind, items, key_field=key_field, fetched_at=fetched_at)
        kinds[kind] = {"snapshot_id": diff.snapshot_id, "items": len(items), **diff.summary()}
    changed = any(k.get("added") or k.get("changed") or k.get("removed") for k in kinds.values())
    return {"kinds": kinds, "changed": changed, "problems": [dict(p) for p in fetched.problems]}


def desired_items(
    ledger: Any, taimer_kind: str, *, users: Sequence[Any] | None = None
) -> tuple[list[tuple[str, Any]], MatchResult | None]:
    """The full set of ``taimer_kind`` Taimer should hold, built from the ledger's current snapshot rows (and, for
    person IDs, matched to ``users``)."""
    (source,) = TAIMER_KINDS[taimer_kind]
    rows = ledger.reference_items(source)
    if taimer_kind == "accounts":
        return account_items(rows), None
    if taimer_kind == "cost_centers":
        return cost_center_items(rows), None
    if taimer_kind == "products":
        return product_items(rows), None
    if taimer_kind == "vat_rates":
        return vat_rate_items(rows, finnish=is_finnish(ledger.reference_items("company"))), None
    if taimer_kind == "person_ids":
        matches = match_persons(rows, users or [])
        return person_items(rows, matches), matches
    raise ValueError(f"unknown Taimer reference kind {taimer_kind!r}")


def push_kind(ledger: Any, taimer: Any, taimer_kind: str, *, full: bool = False) -> dict[str, Any]:
    """Bring Taimer's ``taimer_kind`` up to date with the ledger, writing only if something changed (``full``:
    write the whole set even if the ledger thinks Taimer has it, e.g. after someone edited Taimer by hand)."""
    from taimer_procountor.taimer.models import ReferenceKind

    users = list(taimer.iter_users()) if taimer_kind == "person_ids" else None
    desired, matches = desired_items(ledger, taimer_kind, users=users)
    records = [{PUSHED_KEY_FIELD: key, "item": model.model_dump(mode="json")} for key, model in desired]
    kind = pushed_kind(taimer_kind)
    pending = records if full else ledger.pending_reference_pushes(kind, records, key_field=PUSHED_KEY_FIELD)
    removals = ledger.pending_reference_removals(kind, records, key_field=PUSHED_KEY_FIELD)
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
        ledger.mark_reference_pushed(kind, pending, key_field=PUSHED_KEY_FIELD)
        ledger.mark_reference_removed(kind, removals)
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


def bank_account_check(ledger: Any, taimer: Any) -> dict[str, Any]:
    """Taimer's company IBANs against the Procountor bank accounts in the ledger's current snapshot."""
    company = taimer.get_company_settings()
    check = check_bank_accounts([b.iban for b in company.bank_accounts], ledger.reference_items("bank_accounts"))
    if check.ok:
        log.info("bank accounts: all %d Taimer account(s) are active in Procountor", check.taimer_accounts)
    for problem in check.problems:
        log.warning("bank accounts: %s %s: %s", problem["code"], problem["iban"], problem["detail"])
    return check.summary()
