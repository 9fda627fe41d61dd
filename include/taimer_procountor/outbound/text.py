"""Fitting Taimer's text into Procountor's field lengths, with a notice whenever text is changed.

Procountor's ``Invoice`` schema limits lengths (a row ``comment`` 512 characters, a counterparty name 80, ...).
Taimer has no such limits, so a long text is shortened to fit, ending in an ellipsis, and the document gets a notice
with its own catalogue code naming the field and the original length: nothing is cut silently. Text is never
re-encoded here: characters outside Windows-1252 are a validation error (``OUTBOUND_TEXT_NOT_CP1252``), not
something to replace behind the user's back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from taimer_procountor.errors import DocumentError

ELLIPSIS = "..."  # ASCII, so the shortened text stays within Windows-1252

COMMENT_SHORTENED = "OUTBOUND_ROW_COMMENT_SHORTENED"
TEXT_SHORTENED = "OUTBOUND_TEXT_SHORTENED"

# Procountor's length limits (``Invoice`` schema in the OpenAPI document) for the fields the transform fills.
LIMITS: dict[str, int] = {
    "comment": 512,
    "departure": 40,
    "arrival": 40,
    "places": 255,
    "purpose": 255,
    "headerText": 512,
    "explanationText": 512,
    "name": 80,
    "specifier": 80,
    "street": 80,
    "zip": 20,
    "city": 40,
    "subdivision": 35,
    "contactPersonName": 70,
    "orderReference": 70,
    "buyerReferenceIdentifier": 70,
    "sellerReferenceIdentifier": 70,
    "additionalInformation": 10000,
    "notes": 10000,
}


def stripped(value: str | None) -> str | None:
    """``value`` without surrounding white space; None when nothing is left."""
    return (value or "").strip() or None


def fit(value: str | None, limit: int, field: str, notices: list[DocumentError]) -> str | None:
    """``value`` shortened to ``limit`` characters (ending in ``...``) when longer, with a notice appended to
    ``notices``; ``None`` stays ``None``. ``field`` is the payload path (``invoiceRows[2].comment``)."""
    if value is None or len(value) <= limit:
        return value
    code = COMMENT_SHORTENED if field.endswith(".comment") else TEXT_SHORTENED
    notices.append(
        DocumentError(
            code,
            field,
            f"{len(value)} characters shortened to {limit}",
            {"original_length": str(len(value)), "limit": str(limit)},
        )
    )
    return value[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def fit_field(value: str | None, key: str, path: str, notices: list[DocumentError]) -> str | None:
    """``fit`` with the limit of payload key ``key`` (``LIMITS``); ``path`` is where the key sits."""
    return fit(value, LIMITS[key], path, notices)


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string value in a JSON payload with its field path (``invoiceRows[0].comment``)."""
    if isinstance(node, str):
        yield path or "<body>", node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")


def cp1252_offenders(text: str) -> str:
    """The characters of ``text`` that Windows-1252 cannot encode, each once, in order (empty: all fit)."""
    seen: list[str] = []
    for ch in text:
        if ch not in seen:
            try:
                ch.encode("cp1252")
            except UnicodeEncodeError:
                seen.append(ch)
    return "".join(seen)
