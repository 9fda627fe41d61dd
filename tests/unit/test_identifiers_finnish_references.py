"""taimer_procountor.identifiers: Finnish reference numbers checked against values worked out by hand (not by the code
under test), every single-digit change of a valid one refused, RF references cross-checked with stdnum.iso11649,
business IDs with stdnum.fi.ytunnus, IBANs with schwifty."""

from __future__ import annotations

import pytest
from schwifty import IBAN
from stdnum import iso11649
from stdnum.fi import ytunnus

from taimer_procountor.identifiers import (
    business_id_with_check,
    fi_reference_with_check,
    is_valid_business_id,
    is_valid_fi_reference,
    is_valid_iban,
    is_valid_reference,
    is_valid_rf_reference,
    normalise_iban,
    normalise_reference,
    rf_reference_with_check,
)

# Worked by hand: weights 7, 3, 1, 7, 3, 1, … from the rightmost base digit; check = (10 - sum % 10) % 10.
HAND_WORKED = [
    # 3,2,1 × 7,3,1 = 21 + 6 + 1 = 28 → 2 (the usual textbook example: base 123 → 1232)
    ("123", "1232"),
    # 6,5,4,3,2,1 × 7,3,1,7,3,1 = 42 + 15 + 4 + 21 + 6 + 1 = 89 → 1
    ("123456", "1234561"),
    # 7,6,5,4,3,2,1 × 7,3,1,7,3,1,7 = 49 + 18 + 5 + 28 + 9 + 2 + 7 = 118 → 2 (printed as "1234 5672")
    ("1234567", "12345672"),
    # 0,0,0,1 × 7,3,1,7 = 7 → 3
    ("1000", "10003"),
    # 1,1,1 × 7,3,1 = 11 → 9
    ("111", "1119"),
    # 0,0,1 × 7,3,1 = 1 → 9
    ("100", "1009"),
    # 9,9,9 × 7,3,1 = 63 + 27 + 9 = 99 → 1
    ("999", "9991"),
    # 5,5,5,5 × 7,3,1,7 = 35 + 15 + 5 + 35 = 90 → 0 (sum already a multiple of ten)
    ("5555", "55550"),
    # 19 ones × 7,3,1,… = six full 7+3+1 groups (66) + 7 = 73 → 7; the longest allowed (20 digits)
    ("1" * 19, "1" * 19 + "7"),
]


@pytest.mark.parametrize(("base", "expected"), HAND_WORKED)
def test_identifiers_fi_reference_matches_hand_worked_examples(base: str, expected: str) -> None:
    assert fi_reference_with_check(base) == expected
    assert is_valid_fi_reference(expected) and is_valid_reference(expected)


@pytest.mark.parametrize("valid", [expected for _, expected in HAND_WORKED])
def test_identifiers_fi_reference_every_single_digit_change_is_refused(valid: str) -> None:
    # 7, 3 and 1 are all coprime with 10, so changing any one digit changes the weighted sum modulo 10.
    for pos, digit in enumerate(valid):
        for other in "0123456789":
            if other != digit:
                spoiled = valid[:pos] + other + valid[pos + 1 :]
                assert not is_valid_fi_reference(spoiled), spoiled
                assert not is_valid_reference(spoiled), spoiled


@pytest.mark.parametrize(
    "bad",
    [
        "1234562",  # 1234561 with the wrong check digit
        "1231",  # 1232 with the wrong check digit
        "123",  # too short (3 digits)
        "1" * 20 + "7",  # too long (21 digits)
        "12a2",  # not digits
        "",
        "   ",
        "١٢٣٢",  # Arabic-Indic digits are str.isdigit() but not a reference
        "-1232",
    ],
)
def test_identifiers_known_bad_references_are_refused(bad: str) -> None:
    assert not is_valid_fi_reference(bad)
    assert not is_valid_reference(bad)


def test_identifiers_references_may_be_grouped_and_non_strings_are_refused() -> None:
    assert is_valid_fi_reference("1234 5672") and is_valid_reference(" 1234 5672 ")
    assert normalise_reference("rf18 5390 0754 7034") == "RF18539007547034"
    assert not is_valid_reference(None) and not is_valid_fi_reference(1232)  # type: ignore[arg-type]


@pytest.mark.parametrize("base", ["12", "1" * 20, "12a", ""])
def test_identifiers_fi_reference_base_out_of_range_raises(base: str) -> None:
    with pytest.raises(ValueError):
        fi_reference_with_check(base)


def test_identifiers_rf_reference_cross_checked_with_stdnum() -> None:
    # ISO 11649's own published example.
    assert is_valid_rf_reference("RF18 5390 0754 7034") and is_valid_reference("RF18539007547034")
    assert not is_valid_reference("RF19539007547034") and not is_valid_reference("RF18539007547035")
    # By hand: "1232" + "RF00" → 1232 27 15 00; 1232271500 mod 97 = 87; 98 - 87 = 11 → RF111232.
    assert rf_reference_with_check("1232") == "RF111232"
    for base, _ in HAND_WORKED:
        ref = rf_reference_with_check(fi_reference_with_check(base))
        assert iso11649.is_valid(ref) and is_valid_reference(ref), ref
        spoiled = ref[:-1] + ("0" if ref[-1] != "0" else "1")
        assert not iso11649.is_valid(spoiled) and not is_valid_reference(spoiled), spoiled
    assert rf_reference_with_check("ab 12") == "RF" + rf_reference_with_check("AB12")[2:4] + "AB12"
    assert iso11649.is_valid(rf_reference_with_check("AB12"))
    with pytest.raises(ValueError):
        rf_reference_with_check("X" * 22)


def test_identifiers_business_id_and_iban_wrappers_agree_with_the_libraries() -> None:
    # weights 7, 9, 10, 5, 8, 4, 2: 0737546 → 0·7 + 7·9 + 3·10 + 7·5 + 5·8 + 4·4 + 6·2 = 196;
    # 196 mod 11 = 9 → check 11 - 9 = 2.
    assert business_id_with_check("0737546") == "0737546-2" and ytunnus.is_valid("0737546-2")
    assert is_valid_business_id("0737546-2") and not is_valid_business_id("0737546-3")
    assert not is_valid_business_id(None)
    with pytest.raises(ValueError):
        # weights 7, 9, 10, 5, 8, 4, 2: 1000200 → 1·7 + 2·8 = 23; 23 mod 11 = 1 → no check digit exists.
        business_id_with_check("1000200")
    assert normalise_iban(" fi21 1234 5600 0007 85 ") == "FI2112345600000785" and normalise_iban(None) == ""
    assert is_valid_iban("FI21 1234 5600 0007 85") and IBAN("FI2112345600000785").compact == "FI2112345600000785"
    assert not is_valid_iban("FI21 1234 5600 0007 86") and not is_valid_iban("") and not is_valid_iban(None)
