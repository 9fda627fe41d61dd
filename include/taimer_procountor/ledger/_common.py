"""Helpers shared by the ledger's repositories."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from sqlalchemy import CursorResult, Result, update
from sqlalchemy.orm import Session

from taimer_procountor.ledger.errors import NotFound
from taimer_procountor.ledger.models import Base
from taimer_procountor.ledger.types import utcnow

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

RowT = TypeVar("RowT", bound=Base)


def insert_for(dialect: str, model: Any) -> sqlite.Insert | postgresql.Insert:
    """``INSERT`` for the dialect, with ``on_conflict_do_nothing``/``on_conflict_do_update`` available."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(model)
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(model)
    raise NotImplementedError(f"the ledger supports SQLite and PostgreSQL, not {dialect}")  # pragma: no cover


def rowcount(result: Result[Any]) -> int:
    """The number of rows an INSERT/UPDATE/DELETE touched (its result is a ``CursorResult``)."""
    return cast("CursorResult[Any]", result).rowcount


def now_or(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def ttl_delta(ttl: float | timedelta) -> timedelta:
    delta = ttl if isinstance(ttl, timedelta) else timedelta(seconds=float(ttl))
    if delta <= timedelta(0):
        raise ValueError("a claim's ttl must be positive")
    return delta


def new_token() -> str:
    return secrets.token_hex(16)


def lock_name(session: Any, dialect: str, name: str) -> None:
    """Serialise writers of ``name`` for the rest of the transaction. SQLite: the write transaction already holds
    the database lock (``BEGIN IMMEDIATE``). PostgreSQL: a transaction-scoped advisory lock."""
    if dialect != "postgresql":
        return
    from sqlalchemy import text

    key = zlib.crc32(f"taimer_procountor_ledger:{name}".encode()) - 2**31
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def no_claim() -> dict[str, Any]:
    return {"claimed_by": None, "claim_token": None, "claim_expires_at": None}


def conditional_update(s: Session, model: Any, cond: Sequence[Any], values: dict[str, Any]) -> int:
    """A conditional UPDATE; returns the number of rows it changed (the rowcount check of every state change)."""
    stmt = update(model).where(*cond).values(**values).execution_options(synchronize_session=False)
    return rowcount(s.execute(stmt))


def get_row(s: Session, model: type[RowT], row_id: int) -> RowT:
    row = s.get(model, row_id, populate_existing=True)
    if row is None:
        raise NotFound(f"no {model.__tablename__} {row_id}")
    return row
