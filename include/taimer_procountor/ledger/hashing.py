"""Content hashes and the redaction of what the ledger stores."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import uuid
from typing import Any

from taimer_procountor.redaction import redact


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if hasattr(value, "model_dump"):  # pydantic models
        return value.model_dump(mode="json")
    raise TypeError(f"cannot hash a {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """A stable JSON text: sorted keys, no whitespace, Decimal/date as strings."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def content_hash(value: Any) -> str:
    """SHA-256 hex of ``canonical_json(value)``: equal content gives an equal hash whatever the key order."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def to_json(value: Any) -> Any:
    """``value`` as plain JSON types (what a JSON column can store)."""
    return json.loads(canonical_json(value))


def redact_json(value: Any) -> Any:
    """``value`` (JSON-like) with every string value passed through ``redact``: error texts may quote a request.
    Keys are names we chose (field names, counter names), never secrets, and stay as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): redact_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_json(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_json(to_json(value))


def redact_text(value: object | None) -> str | None:
    return None if value is None else redact(value)
