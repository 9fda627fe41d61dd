"""The Finnish VAT timeline: which percentage applies on which day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from taimer_procountor.finnish_vat import as_percent, is_valid_on, validity


@pytest.mark.parametrize(
    ("percent", "day", "valid"),
    [
        (24, date(2024, 8, 31), True),  # last day of 24 %
        (24, date(2024, 9, 1), False),
        ("25.5", date(2024, 8, 31), False),
        ("25.5", date(2024, 9, 1), True),  # first day of 25.5 %
        (14, date(2025, 12, 31), True),
        (14, date(2026, 1, 1), False),
        (Decimal("13.5"), date(2025, 12, 31), False),
        (Decimal("13.5"), date(2026, 1, 1), True),
        (10, date(2026, 11, 28), True),  # 10 % stays in use
        (0, date(2020, 1, 1), True),
    ],
)
def test_each_rate_applies_exactly_on_its_days(percent, day, valid):
    assert is_valid_on(percent, day) is valid


def test_json_floats_and_strings_find_the_same_entry():
    assert as_percent(24.0) == as_percent("24") == as_percent(Decimal("24.00")) == Decimal("24")
    assert validity(24.0) == validity("24") == (None, date(2024, 8, 31))
    assert validity("25.50") == (date(2024, 9, 1), None)


def test_an_unlisted_percentage_is_open_ended_and_garbage_is_refused():
    assert validity(17) == (None, None)
    with pytest.raises(ValueError, match="not a VAT percentage"):
        as_percent("kaksikymmentä")
