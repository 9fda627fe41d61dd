"""Finnish payment and company identifiers: reference numbers, business IDs and IBANs, in one place.

The outbound validation, the seed generator and the Procountor sandbox all use these, so that a reference number
the seed calls valid is one the sandbox accepts and the sync lets through.

- **Finnish national reference number** (viitenumero): 3–19 base digits followed by one check digit, 4–20 digits in
  all. The check digit: multiply the base digits from the right by 7, 3, 1, 7, 3, 1, …, add up, and take the
  distance to the next multiple of ten (0 when the sum already is one). python-stdnum 2.2 has no module for it, so
  it is implemented here.
- **RF creditor reference** (ISO 11649, ``RFcc`` + up to 21 letters/digits): validated by ``stdnum.iso11649``; the
  check digits of a new one come from ``stdnum.iso7064.mod_97_10``, the algorithm ISO 11649 uses.
- **Business ID** (Y-tunnus, ``NNNNNNN-C``): ``stdnum.fi.ytunnus``.
- **IBAN**: ``schwifty``; compared normalised (spaces removed, upper case).

Reference numbers may be written in groups (``1234 5672``, ``RF18 5390 0754 7034``): the checks ignore spaces.
"""

from __future__ import annotations

import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.fi import ytunnus
from stdnum.iso7064 import mod_97_10

__all__ = [
    "business_id_with_check",
    "fi_reference_check_digit",
    "fi_reference_with_check",
    "is_valid_business_id",
    "is_valid_fi_reference",
    "is_valid_iban",
    "is_valid_reference",
    "is_valid_rf_reference",
    "normalise_iban",
    "normalise_reference",
    "rf_reference_with_check",
    "valid_compact_iban",
]

_WEIGHTS = (7, 3, 1)
_SPACES = re.compile(r"\s+")
_FI_BASE = re.compile(r"^\d{3,19}$")
_RF_BODY = re.compile(r"^[0-9A-Z]{1,21}$")


def normalise_reference(value: str) -> str:
    """``value`` without spaces, upper case (``rf18 5390`` → ``RF185390``)."""
    return _SPACES.sub("", value).upper()


def fi_reference_check_digit(base: str) -> str:
    """The 7-3-1 check digit of a Finnish reference number's base digits."""
    if not base.isdigit():
        raise ValueError(f"reference base must be digits: {base!r}")
    total = sum(int(d) * _WEIGHTS[i % 3] for i, d in enumerate(reversed(base)))
    return str(-total % 10)


def fi_reference_with_check(base: str) -> str:
    """The Finnish reference number for ``base`` (3–19 digits): ``base`` + its check digit (``"123"`` → ``"1232"``)."""
    base = _SPACES.sub("", base)
    if not _FI_BASE.match(base):
        raise ValueError(f"a Finnish reference base has 3-19 digits: {base!r}")
    return base + fi_reference_check_digit(base)


def is_valid_fi_reference(value: str | None) -> bool:
    """True for a Finnish national reference number (4–20 digits, spaces ignored) whose check digit is right."""
    if not isinstance(value, str):
        return False
    digits = _SPACES.sub("", value)
    if not digits.isascii() or not digits.isdigit() or not 4 <= len(digits) <= 20:
        return False
    return fi_reference_check_digit(digits[:-1]) == digits[-1]


def rf_reference_with_check(body: str) -> str:
    """The RF creditor reference ``RFcc<body>`` for ``body`` (1–21 letters/digits), e.g. a Finnish reference."""
    body = normalise_reference(body)
    if not _RF_BODY.match(body):
        raise ValueError(f"an RF reference body has 1-21 letters or digits: {body!r}")
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def is_valid_rf_reference(value: str | None) -> bool:
    """True for an ISO 11649 creditor reference (``RF…``) with correct check digits (``stdnum.iso11649``)."""
    return isinstance(value, str) and normalise_reference(value).startswith("RF") and iso11649.is_valid(value)


def is_valid_reference(value: str | None) -> bool:
    """True for a valid Finnish national reference number or RF creditor reference."""
    if not isinstance(value, str):
        return False
    if normalise_reference(value).startswith("RF"):
        return is_valid_rf_reference(value)
    return is_valid_fi_reference(value)


def is_valid_business_id(value: str | None) -> bool:
    """True for a Finnish business ID (Y-tunnus) with a correct check digit (``stdnum.fi.ytunnus``)."""
    return isinstance(value, str) and ytunnus.is_valid(value)


def business_id_with_check(base7: str) -> str:
    """The business ID ``NNNNNNN-C`` for seven digits; ValueError for the bases that have none (remainder 1)."""
    for check in "0123456789":
        candidate = f"{base7}-{check}"
        if ytunnus.is_valid(candidate):
            return candidate
    raise ValueError(f"{base7}: no valid business ID check digit (remainder 1)")


def normalise_iban(value: str | None) -> str:
    """An IBAN as compared: spaces removed, upper case (``fi21 1234`` → ``FI211234``); ``None`` → ``""``."""
    return _SPACES.sub("", value or "").upper()


def valid_compact_iban(value: str | None) -> str | None:
    """The compact IBAN (``FI2112345600000785``) when ``schwifty`` accepts ``value``, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return IBAN(value).compact
    except (SchwiftyException, ValueError, ValidationError):
        return None


def is_valid_iban(value: str | None) -> bool:
    """True when ``schwifty`` accepts ``value`` as an IBAN (country format, bank code, check digits)."""
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        IBAN(value)
    except (SchwiftyException, ValueError, ValidationError):
        return False
    return True
