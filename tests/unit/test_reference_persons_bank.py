"""Reference sync: the person-matching rule and the bank-account check (pure functions, no I/O)."""

from __future__ import annotations

import hashlib

from taimer_procountor.identifiers import valid_compact_iban
from taimer_procountor.reference.bank import check_bank_accounts, mask_iban
from taimer_procountor.reference.persons import IDENTIFIER_FIELD, identifier_hmac, match_persons
from taimer_procountor.taimer.models import User

HETU = "131052-308T"
KEY = "unit-test-pseudonym-key-0123456789abcdef"


def person(pid: int, *, email: str | None = None, identifier: str | None = None, active: bool = True) -> dict:
    return {
        "id": pid,
        "firstName": "Maija",
        "lastName": "Meikäläinen",
        "email": email,
        IDENTIFIER_FIELD: identifier_hmac(identifier, KEY),
        "active": active,
    }


def user(uid: str, *, email: str | None = None, hetu: str | None = None, pid: int | None = None) -> User:
    return User(id=uid, name="Maija Meikäläinen", email=email, personal_identifier=hetu, procountor_person_id=pid)


def test_identifier_wins_over_email_and_is_normalised() -> None:
    result = match_persons(
        [person(1, email="a@example.fi", identifier=HETU)],
        [user("by-email", email="a@example.fi"), user("by-id", email="other@example.fi", hetu=" 131052-308t ")],
        pseudonym_key=KEY,
    )
    (m,) = result.matches
    assert (m.status, m.user_id, m.rule) == ("matched", "by-id", "personal_identifier")


def test_without_a_key_the_identifier_rule_is_off_and_email_decides() -> None:
    persons = [person(1, email="a@example.fi", identifier=HETU)]
    users = [user("by-email", email="a@example.fi"), user("by-id", email="other@example.fi", hetu=HETU)]
    (m,) = match_persons(persons, users).matches
    assert (m.status, m.user_id, m.rule) == ("matched", "by-email", "email")
    # a key other than the one the persons' HMACs were made with matches nothing by identifier either
    (m,) = match_persons(persons, users, pseudonym_key="another-key-entirely").matches
    assert m.user_id == "by-email"


def test_email_is_case_insensitive_and_trimmed() -> None:
    result = match_persons([person(1, email=" Maija.M@Example.FI ")], [user("u1", email="maija.m@example.fi")])
    assert result.user_for(1) == "u1"
    assert result.summary()["matched_by_email"] == 1


def test_never_by_name_alone() -> None:
    """Same first and last name, no identifier, no e-mail in common: unmatched."""
    result = match_persons([person(1, email="p@example.fi")], [user("u1", email="someone@example.fi")])
    assert result.matches[0].status == "unmatched"
    assert result.summary()["unmatched_person_ids"] == [1]


def test_two_users_with_one_email_are_ambiguous_and_refused() -> None:
    result = match_persons(
        [person(1, email="dup@example.fi")], [user("u1", email="dup@example.fi"), user("u2", email="DUP@example.fi")]
    )
    (m,) = result.matches
    assert m.status == "ambiguous" and m.user_id is None and m.candidates == ("u1", "u2")
    assert result.summary()["ambiguous_person_ids"] == [1]


def test_one_user_claimed_by_two_persons_is_ambiguous_for_both() -> None:
    result = match_persons(
        [person(1, email="same@example.fi"), person(2, email="SAME@example.fi"), person(3, email="c@example.fi")],
        [user("u1", email="same@example.fi"), user("u3", email="c@example.fi")],
    )
    status = {m.person_id: (m.status, m.user_id) for m in result.matches}
    assert status == {1: ("ambiguous", None), 2: ("ambiguous", None), 3: ("matched", "u3")}


def test_inactive_persons_and_unknown_user_links() -> None:
    result = match_persons(
        [person(1, email="a@example.fi"), person(2, email="b@example.fi", active=False)],
        [user("u1", email="a@example.fi", pid=7), user("u2", email="b@example.fi", pid=2), user("u3", pid=999)],
    )
    assert [m.person_id for m in result.matches] == [1]
    summary = result.summary()
    assert summary["relinked_users"] == ["u1"]  # had person 7, now matched to person 1
    # u1's unknown person 7 is replaced by the match; u2 points at an inactive person, u3 at none
    assert summary["users_with_unknown_person_id"] == ["u2", "u3"]


def test_identifier_hmac_is_keyed_and_never_the_plain_sha256() -> None:
    digest = identifier_hmac(HETU, KEY)
    assert digest is not None and HETU not in digest and len(digest) == 64
    assert identifier_hmac(" 131052-308t", KEY) == digest  # normalised first
    assert digest != hashlib.sha256(HETU.encode()).hexdigest()  # not reversible by hashing every identifier
    assert identifier_hmac(HETU, "another-key-entirely") != digest
    assert identifier_hmac(HETU, None) is None and identifier_hmac(HETU, "") is None  # no key: nothing at all
    assert identifier_hmac("", KEY) is None


# --- bank accounts -----------------------------------------------------------------------------------------------

PC_MAIN = {"id": 1, "iban": "FI2112345600000785", "status": "ACTIVE"}
PC_SECOND = {"id": 2, "iban": "FI0310068372553581", "status": "ACTIVE"}
PC_CLOSED = {"id": 3, "accountNumber": "FI4950009420028730", "status": "INACTIVE"}


def test_iban_normalisation() -> None:
    assert valid_compact_iban("fi21 1234 5600 0007 85") == "FI2112345600000785"
    assert valid_compact_iban("FI2112345600000786") is None  # wrong check digits
    assert mask_iban("FI21 1234 5600 0007 85") == "FI21 **** 0785"


def test_bank_accounts_match_when_written_differently() -> None:
    check = check_bank_accounts(["fi21 1234 5600 0007 85"], [PC_MAIN, PC_SECOND])
    assert check.ok and check.matched == ["FI21 **** 0785"] and check.procountor_active_accounts == 2


def test_bank_account_mismatch_inactive_and_invalid_are_reported() -> None:
    check = check_bank_accounts(
        ["FI2112345600000785", "FI7450086758894677", "FI4950009420028730", "FI00 1234"],
        [PC_MAIN, PC_CLOSED],
    )
    assert check.status == "mismatch"
    codes = [p.code for p in check.problems]
    assert codes == [
        "REFERENCE_BANK_ACCOUNT_MISMATCH",
        "REFERENCE_BANK_ACCOUNT_INACTIVE",
        "REFERENCE_BANK_ACCOUNT_INVALID_IBAN",
    ]
    assert all("**" in p.iban for p in check.problems)  # never the whole account number


def test_no_bank_account_in_taimer() -> None:
    check = check_bank_accounts([], [PC_MAIN])
    assert check.status == "mismatch" and check.problems[0].code == "REFERENCE_NO_TAIMER_BANK_ACCOUNT"
