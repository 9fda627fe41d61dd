"""Reference data: snapshots of what Procountor said, and what was last pushed to Taimer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from taimer_procountor.ledger._common import lock_name, now_or, rowcount
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.hashing import content_hash, to_json
from taimer_procountor.ledger.models import ReferenceItem, ReferencePublished, ReferencePushed, ReferenceSnapshot

DEFAULT_KEY_FIELD = "id"


@dataclass(frozen=True)
class SnapshotDiff:
    """How a reference snapshot differs from the previous one of its kind (keys as strings, sorted).

    ``has_changes`` is the spec's ``changed: bool`` (the name ``changed`` holds the changed keys); ``bool(diff)`` is
    the same."""

    kind: str
    snapshot_id: int
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # absent from this fetch, but kept (``keep_keys``/``keep_missing``)
    reused: bool = False  # the content equals the latest snapshot's: that row was reused, no new payload copy

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __bool__(self) -> bool:
        return self.has_changes

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "changed": len(self.changed),
            "removed": len(self.removed),
            "unchanged": len(self.unchanged),
            "kept": len(self.kept),
        }


def _keyed(items: Iterable[dict[str, Any]], key_field: str) -> dict[str, tuple[dict[str, Any], str]]:
    """``{key: (item as JSON, item hash)}``; a missing or repeated key is an error (it would lose an item)."""
    out: dict[str, tuple[dict[str, Any], str]] = {}
    for item in items:
        if key_field not in item or item[key_field] is None:
            raise ValueError(f"reference item without {key_field!r}: {sorted(item)}")
        key = str(item[key_field])
        if key in out:
            raise ValueError(f"reference items repeat {key_field}={key!r}")
        plain = to_json(item)
        out[key] = (plain, content_hash(plain))
    return out


class ReferenceRepository(Repository):
    """``ledger.reference``: reference snapshots, their items, and what was pushed to Taimer and published."""

    def save_reference_snapshot(
        self,
        kind: str,
        items: Sequence[dict[str, Any]],
        key_field: str = DEFAULT_KEY_FIELD,
        fetched_at: datetime | None = None,
        *,
        keep_keys: Iterable[str] = (),
        keep_missing: bool = False,
    ) -> SnapshotDiff:
        """Store what Procountor returned for ``kind`` (one snapshot row with the payload, plus per-item rows) and
        return the difference to the previous state. Saving the same items again reports no changes, and reuses the
        latest snapshot row (its ``last_seen_at`` moves) instead of storing another copy of the same payload.

        ``keep_keys``: keys missing from ``items`` that must not be marked removed (their row could not be read this
        time: the last good copy stays current). ``keep_missing``: mark nothing removed at all (a row without a key
        was unreadable, so any missing key may be that row). One transaction: the kind is saved whole or not at all.
        """
        fetched_at = now_or(fetched_at)
        keyed = _keyed(items, key_field)
        payload = [keyed[k][0] for k in sorted(keyed)]
        payload_hash = content_hash(payload)
        keep = {str(k) for k in keep_keys}
        with self.write() as s:
            lock_name(s, self.dialect, f"reference:{kind}")
            current = {
                row.key: row for row in s.execute(select(ReferenceItem).where(ReferenceItem.kind == kind)).scalars()
            }
            live = {k: r for k, r in current.items() if r.removed_at is None}
            added = sorted(k for k in keyed if k not in live)
            changed = sorted(k for k in keyed if k in live and live[k].item_hash != keyed[k][1])
            unchanged = sorted(k for k in keyed if k in live and live[k].item_hash == keyed[k][1])
            missing = sorted(k for k in live if k not in keyed)
            kept = [k for k in missing if keep_missing or k in keep]
            removed = [k for k in missing if k not in set(kept)]
            latest = s.execute(
                select(ReferenceSnapshot)
                .where(ReferenceSnapshot.kind == kind)
                .order_by(ReferenceSnapshot.fetched_at.desc(), ReferenceSnapshot.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            reused = (
                latest is not None
                and latest.content_hash == payload_hash
                and latest.key_field == key_field
                and not (added or changed or removed)
            )
            if reused and latest is not None:
                snap = latest
                snap.last_seen_at = fetched_at
            else:
                snap = ReferenceSnapshot(
                    kind=kind,
                    key_field=key_field,
                    fetched_at=fetched_at,
                    content_hash=payload_hash,
                    item_count=len(payload),
                    payload=payload,
                    added_count=len(added),
                    changed_count=len(changed),
                    removed_count=len(removed),
                    created_at=now_or(None),
                    last_seen_at=fetched_at,
                )
                s.add(snap)
            s.flush()
            for key, (plain, digest) in keyed.items():
                row = current.get(key)
                if row is None:
                    s.add(
                        ReferenceItem(
                            kind=kind,
                            key=key,
                            item_hash=digest,
                            payload=plain,
                            last_snapshot_id=snap.id,
                            first_seen_at=fetched_at,
                            last_seen_at=fetched_at,
                            changed_at=fetched_at,
                            removed_at=None,
                        )
                    )
                    continue
                if row.item_hash != digest or row.removed_at is not None:
                    row.item_hash, row.payload, row.changed_at = digest, plain, fetched_at
                row.removed_at = None
                row.last_seen_at = fetched_at
                row.last_snapshot_id = snap.id
            for key in removed:
                live[key].removed_at = fetched_at
                live[key].changed_at = fetched_at
            return SnapshotDiff(kind, snap.id, added, changed, removed, unchanged, kept, reused)

    def latest_reference_snapshot(self, kind: str) -> ReferenceSnapshot | None:
        with self.read() as s:
            return s.execute(
                select(ReferenceSnapshot)
                .where(ReferenceSnapshot.kind == kind)
                .order_by(ReferenceSnapshot.fetched_at.desc(), ReferenceSnapshot.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def reference_items(self, kind: str, *, include_removed: bool = False) -> list[dict[str, Any]]:
        """The current items of ``kind`` as last seen in Procountor (payloads), by key."""
        q = select(ReferenceItem).where(ReferenceItem.kind == kind).order_by(ReferenceItem.key)
        if not include_removed:
            q = q.where(ReferenceItem.removed_at.is_(None))
        with self.read() as s:
            return [row.payload for row in s.execute(q).scalars()]

    def prune_reference_snapshots(self, kind: str, keep: int = 30) -> int:
        """Delete all but the newest ``keep`` snapshots of ``kind`` (items are not touched). Returns how many."""
        with self.write() as s:
            ids = list(
                s.execute(
                    select(ReferenceSnapshot.id)
                    .where(ReferenceSnapshot.kind == kind)
                    .order_by(ReferenceSnapshot.fetched_at.desc(), ReferenceSnapshot.id.desc())
                    .offset(keep)
                ).scalars()
            )
            if ids:
                s.execute(delete(ReferenceSnapshot).where(ReferenceSnapshot.id.in_(ids)))
            return len(ids)

    def _key_field_for(self, kind: str, key_field: str | None) -> str:
        if key_field is not None:
            return key_field
        snap = self.latest_reference_snapshot(kind)
        return snap.key_field if snap is not None else DEFAULT_KEY_FIELD

    def pending_reference_pushes(
        self, kind: str, items: Sequence[dict[str, Any]], key_field: str | None = None
    ) -> list[dict[str, Any]]:
        """The ``items`` whose hash differs from what was last pushed to Taimer (new ones included), in input order.
        ``key_field`` defaults to the one of the latest snapshot of ``kind``."""
        key_field = self._key_field_for(kind, key_field)
        keyed = _keyed(items, key_field)
        with self.read() as s:
            pushed = {
                key: digest
                for key, digest in s.execute(
                    select(ReferencePushed.key, ReferencePushed.item_hash).where(ReferencePushed.kind == kind)
                )
            }
        return [item for item in items if pushed.get(str(item[key_field])) != keyed[str(item[key_field])][1]]

    def mark_reference_pushed(
        self,
        kind: str,
        items: Sequence[dict[str, Any]],
        key_field: str | None = None,
        pushed_at: datetime | None = None,
    ) -> int:
        """Remember that these items (as given) are now in Taimer. Returns how many were recorded."""
        key_field = self._key_field_for(kind, key_field)
        pushed_at = now_or(pushed_at)
        keyed = _keyed(items, key_field)
        with self.write() as s:
            lock_name(s, self.dialect, f"reference_pushed:{kind}")
            existing = {
                row.key: row
                for row in s.execute(
                    select(ReferencePushed).where(ReferencePushed.kind == kind, ReferencePushed.key.in_(list(keyed)))
                ).scalars()
            }
            for key, (_plain, digest) in keyed.items():
                row = existing.get(key)
                if row is None:
                    s.add(ReferencePushed(kind=kind, key=key, item_hash=digest, pushed_at=pushed_at))
                else:
                    row.item_hash, row.pushed_at = digest, pushed_at
        return len(keyed)

    def pending_reference_removals(
        self, kind: str, items: Sequence[dict[str, Any]], key_field: str | None = None
    ) -> list[str]:
        """Keys pushed to Taimer earlier that are no longer among ``items`` (to deactivate in Taimer)."""
        key_field = self._key_field_for(kind, key_field)
        present = set(_keyed(items, key_field))
        with self.read() as s:
            pushed = s.execute(select(ReferencePushed.key).where(ReferencePushed.kind == kind)).scalars()
            return sorted(k for k in pushed if k not in present)

    def mark_reference_removed(self, kind: str, keys: Iterable[str]) -> int:
        """Forget pushes of keys that were deactivated in Taimer."""
        keys = [str(k) for k in keys]
        if not keys:
            return 0
        with self.write() as s:
            res = s.execute(delete(ReferencePushed).where(ReferencePushed.kind == kind, ReferencePushed.key.in_(keys)))
            return rowcount(res)

    # --- what the reference-snapshot asset last announced ------------------------------------------------------

    def reference_state_hash(self, kind: str) -> str:
        """A hash of ``kind``'s current items (keys and item hashes of the rows not removed): equal hashes, equal
        data, whichever fetches produced it."""
        with self.read() as s:
            rows = s.execute(
                select(ReferenceItem.key, ReferenceItem.item_hash)
                .where(ReferenceItem.kind == kind, ReferenceItem.removed_at.is_(None))
                .order_by(ReferenceItem.key)
            ).all()
        return content_hash([[key, digest] for key, digest in rows])

    def unpublished_reference_kinds(self, kinds: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The kinds whose current data differs from what the asset last published (never published counts as
        different): ``{kind: {"state_hash", "snapshot_id"}}``, to hand to ``mark_reference_published`` once the
        event is out."""
        kinds = list(kinds)
        with self.read() as s:
            published = {
                row.kind: row.state_hash
                for row in s.execute(select(ReferencePublished).where(ReferencePublished.kind.in_(kinds))).scalars()
            }
        out: dict[str, dict[str, Any]] = {}
        for kind in kinds:
            state = self.reference_state_hash(kind)
            if published.get(kind) != state:
                snap = self.latest_reference_snapshot(kind)
                out[kind] = {"state_hash": state, "snapshot_id": snap.id if snap is not None else None}
        return out

    def mark_reference_published(
        self, states: dict[str, dict[str, Any]], *, run_id: str | None = None, published_at: datetime | None = None
    ) -> int:
        """Record that the asset announced these kinds' states (``unpublished_reference_kinds``' answer). Repeating
        it with the same states changes nothing that matters (idempotent)."""
        published_at = now_or(published_at)
        with self.write() as s:
            lock_name(s, self.dialect, "reference_published")
            for kind, state in states.items():
                row = s.get(ReferencePublished, kind)
                if row is None:
                    row = ReferencePublished(kind=kind, state_hash=state["state_hash"], published_at=published_at)
                    s.add(row)
                row.state_hash = state["state_hash"]
                row.snapshot_id = state.get("snapshot_id")
                row.run_id = run_id
                row.published_at = published_at
        return len(states)
