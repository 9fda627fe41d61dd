"""Helpers shared by the repository mixins."""

from __future__ import annotations

import secrets
import zlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.sql import Insert

from taimer_procountor.ledger.types import utcnow


def insert_for(dialect: str, model: Any) -> Insert:
    """``INSERT`` for the dialect, with ``on_conflict_do_nothing``/``on_conflict_do_update`` available."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise NotImplementedError(f"the ledger supports SQLite and PostgreSQL, not {dialect}")
    return insert(model)


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
