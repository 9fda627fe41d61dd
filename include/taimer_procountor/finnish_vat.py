"""Finnish VAT percentages and the days on which each applies (docs/seed.md, "VAT by date").

Procountor's ``GET /vats/default`` lists the percentages a company uses, but not when each applies, and an invoice
row's VAT must be valid on the invoice date. This table is the one place that knows the Finnish rate changes: the
general rate went from 24 % to 25.5 % on 2024-09-01; the reduced 14 % became 13.5 % on 2026-01-01 (some 10 % goods
moved to 14 % on 2025-01-01, but 10 % itself stays in use). A percentage not listed is treated as open-ended.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

Validity = tuple[date | None, date | None]  # (valid_from, valid_to), both inclusive; None = open

FINNISH_VAT_VALIDITY: dict[Decimal, Validity] = {
    Decimal("24"): (None, date(2024, 8, 31)),
    Decimal("25.5"): (date(2024, 9, 1), None),
    Decimal("14"): (None, date(2025, 12, 31)),
    Decimal("13.5"): (date(2026, 1, 1), None),
    Decimal("10"): (None, None),
    Decimal("0"): (None, None),
}


def as_percent(value: object) -> Decimal:
    """``value`` (``24``, ``24.0``, ``"25.50"``, ``Decimal``) as a normalised Decimal, so ``24.0`` equals ``24``."""
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a VAT percentage: {value!r}") from exc
    return number.normalize() if number else Decimal("0")


def validity(percent: object) -> Validity:
    """When ``percent`` applies in Finland: ``(valid_from, valid_to)``; ``(None, None)`` when not rate-limited."""
    return FINNISH_VAT_VALIDITY.get(as_percent(percent), (None, None))


def is_valid_on(percent: object, day: date) -> bool:
    """True when ``percent`` is a Finnish VAT percentage that applies on ``day`` (unknown percentages: open-ended)."""
    valid_from, valid_to = validity(percent)
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)
