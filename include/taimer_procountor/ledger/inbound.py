"""Inbound flows: id mappings (Procountor id <-> Taimer id) and watermarks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from taimer_procountor.ledger._common import insert_for, now_or, rowcount
from taimer_procountor.ledger.engine import Repository
from taimer_procountor.ledger.hashing import redact_json, to_json
from taimer_procountor.ledger.models import InboundMapping, Watermark

M = InboundMapping


@dataclass(frozen=True)
class MappingResult:
    mapping: InboundMapping
    created: bool
    changed: bool  # taimer_id or content_hash differs from before (the Taimer side needs writing)


@dataclass(frozen=True)
class WatermarkValue:
    flow: str
    value: datetime
    overlap: timedelta
    updated_at: datetime

    @property
    def read_from(self) -> datetime:
        """Where the next read starts: ``value - overlap`` (late-committed versions are read again, not missed)."""
        return self.value - self.overlap


class InboundRepository(Repository):
    """``ledger.inbound``: Procountor id <-> Taimer id mappings and the inbound watermarks."""

    # ------------------------------------------------------------------------------------------------ mappings
    def upsert_inbound_mapping(
        self,
        kind: str,
        procountor_id: str | int,
        taimer_id: str | int | None,
        *,
        content_hash: str | None = None,
        details: dict[str, Any] | None = None,
        now: datetime | None = None,
    ) -> MappingResult:
        """Create or update the mapping of one Procountor object (e.g. kind ``purchase_invoice``) to its Taimer id.
        ``details`` (JSON, redacted) can hold e.g. the routing reason of a purchase invoice."""
        now = now_or(now)
        pid = str(procountor_id)
        tid = None if taimer_id is None else str(taimer_id)
        with self.write() as s:
            created = (
                rowcount(
                    s.execute(
                        insert_for(self.dialect, M)
                        .values(
                            kind=kind,
                            procountor_id=pid,
                            taimer_id=tid,
                            content_hash=content_hash,
                            details=redact_json(to_json(details or {})),
                            created_at=now,
                            updated_at=now,
                        )
                        .on_conflict_do_nothing(index_elements=["kind", "procountor_id"])
                    )
                )
                == 1
            )
            row = s.execute(select(M).where(M.kind == kind, M.procountor_id == pid).with_for_update()).scalar_one()
            if created:
                return MappingResult(row, True, True)
            changed = (row.taimer_id, row.content_hash) != (tid, content_hash)
            if changed:
                row.taimer_id, row.content_hash = tid, content_hash
            if details is not None:
                row.details = redact_json(to_json(details))
            if changed or details is not None:
                row.updated_at = now
            s.flush()
            return MappingResult(row, False, changed)

    def get_inbound_mapping(
        self, kind: str, *, procountor_id: str | int | None = None, taimer_id: str | int | None = None
    ) -> InboundMapping | None:
        """The mapping by either side's id."""
        if (procountor_id is None) == (taimer_id is None):
            raise ValueError("give exactly one of procountor_id and taimer_id")
        cond = M.procountor_id == str(procountor_id) if procountor_id is not None else M.taimer_id == str(taimer_id)
        with self.read() as s:
            return s.execute(select(M).where(M.kind == kind, cond).order_by(M.id).limit(1)).scalar_one_or_none()

    def inbound_mappings(self, kind: str) -> list[InboundMapping]:
        with self.read() as s:
            return list(s.execute(select(M).where(M.kind == kind).order_by(M.id)).scalars())

    # ---------------------------------------------------------------------------------------------- watermarks
    def get_watermark(self, flow: str) -> WatermarkValue | None:
        """The stored watermark of ``flow``; ``.read_from`` has the overlap window applied."""
        with self.read() as s:
            row = s.get(Watermark, flow)
            if row is None:
                return None
            return WatermarkValue(row.flow, row.value, timedelta(seconds=row.overlap_seconds), row.updated_at)

    def watermark_read_from(self, flow: str, default: datetime | None = None) -> datetime | None:
        """Where ``flow`` should start reading: ``value - overlap``, or ``default`` before the first run."""
        wm = self.get_watermark(flow)
        return default if wm is None else wm.read_from

    def advance_watermark(
        self,
        flow: str,
        value: datetime,
        *,
        overlap: timedelta | None = None,
        now: datetime | None = None,
    ) -> WatermarkValue:
        """Move the watermark of ``flow`` forward to ``value``; never backwards (an older value, e.g. from a slow
        concurrent run or a backfill, leaves it where it is). ``value`` is naive, in the source's own clock
        (Procountor datetimes carry no zone). ``overlap`` (set once, kept unless given) is subtracted on reading."""
        if value.tzinfo is not None:
            raise ValueError("watermarks are naive datetimes in the source system's clock")
        now = now_or(now)
        overlap_s = None if overlap is None else int(overlap.total_seconds())
        with self.write() as s:
            s.execute(
                insert_for(self.dialect, Watermark)
                .values(flow=flow, value=value, overlap_seconds=overlap_s or 0, updated_at=now)
                .on_conflict_do_nothing(index_elements=["flow"])
            )
            s.execute(
                update(Watermark)
                .where(Watermark.flow == flow, Watermark.value < value)
                .values(value=value, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if overlap_s is not None:
                s.execute(
                    update(Watermark)
                    .where(Watermark.flow == flow)
                    .values(overlap_seconds=overlap_s)
                    .execution_options(synchronize_session=False)
                )
            row = s.get(Watermark, flow, populate_existing=True)
            assert row is not None
            return WatermarkValue(row.flow, row.value, timedelta(seconds=row.overlap_seconds), row.updated_at)
