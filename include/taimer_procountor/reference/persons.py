"""Matching Procountor persons to Taimer users: the rule, in one place.

For each active Procountor person (the snapshot keeps inactive ones too; they are never matched):

1. **Personal identifier** (henkilötunnus): the person's identifier and the user's ``personal_identifier``, both
   normalised (spaces removed, upper case), compared as keyed HMAC-SHA256 pseudonyms (``identifier_hmac``; the key
   is the ledger connection's ``pseudonym_key``). The ledger stores only the HMAC, never the identifier, and never
   an unkeyed hash (a henkilötunnus has so few possible values that a plain SHA-256 is reversed by trying them all).
   Exactly one user with it: matched. More than one: ambiguous. **No key configured: this rule is off** (nothing
   identifier-derived is stored; the report says ``REFERENCE_IDENTIFIER_RULE_DISABLED``) and e-mail decides.
2. **E-mail**, only if no identifier decided it: the person's e-mail and the user's, compared case-insensitively
   after trimming. Exactly one user: matched. More than one: ambiguous.
3. Otherwise unmatched. **Never by name**: two people can share a name.

Then, in the other direction: a user that two or more persons matched is ambiguous for all of them. Ambiguous
matches are refused (the person goes to Taimer without a user, and the report lists the ids with
``REFERENCE_PERSON_AMBIGUOUS``); unmatched persons are listed as information (``REFERENCE_PERSON_UNMATCHED``).

Users whose Procountor person ID is set in Taimer but names no Procountor person are reported too
(``REFERENCE_USER_PERSON_ID_UNKNOWN``): their travel and expense invoices would stop. Only ids go into reports and
logs, never names, e-mails or identifiers.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RULE_IDENTIFIER = "personal_identifier"
RULE_EMAIL = "email"


def normalise_identifier(value: str | None) -> str | None:
    if not value:
        return None
    text = "".join(value.split()).upper()
    return text or None


IDENTIFIER_FIELD = "identifierHmac"  # the persons snapshot row's field holding the pseudonym


def identifier_hmac(value: str | None, key: str | bytes | None) -> str | None:
    """HMAC-SHA256 (hex) of the normalised personal identifier under ``key``; None when there is no identifier or no
    key (without a key nothing identifier-derived may be stored)."""
    norm = normalise_identifier(value)
    if not norm or not key:
        return None
    raw_key = key.encode("utf-8") if isinstance(key, str) else key
    return hmac.new(raw_key, norm.encode("utf-8"), hashlib.sha256).hexdigest()


def normalise_email(value: str | None) -> str | None:
    if not value:
        return None
    text = value.strip().casefold()
    return text or None


@dataclass(frozen=True)
class PersonMatch:
    person_id: int
    user_id: str | None
    rule: str | None  # RULE_IDENTIFIER / RULE_EMAIL when matched
    status: str  # "matched" / "unmatched" / "ambiguous"
    candidates: tuple[str, ...] = ()  # user ids (ambiguous only)
    previous_person_id: int | None = None  # the matched user's person ID before (None: none was set)


@dataclass
class MatchResult:
    matches: list[PersonMatch] = field(default_factory=list)
    users_with_unknown_person_id: list[str] = field(default_factory=list)

    def by_status(self, status: str) -> list[PersonMatch]:
        return [m for m in self.matches if m.status == status]

    def user_for(self, person_id: int) -> str | None:
        for m in self.matches:
            if m.person_id == person_id:
                return m.user_id
        return None

    def summary(self) -> dict[str, Any]:
        """Counts and ids only (safe for XCom and the run report)."""
        matched = self.by_status("matched")
        return {
            "persons": len(self.matches),
            "matched": len(matched),
            "matched_by_identifier": sum(1 for m in matched if m.rule == RULE_IDENTIFIER),
            "matched_by_email": sum(1 for m in matched if m.rule == RULE_EMAIL),
            "relinked_users": sorted(
                m.user_id
                for m in matched
                if m.user_id and m.previous_person_id is not None and m.previous_person_id != m.person_id
            ),
            "unmatched": len(self.by_status("unmatched")),
            "unmatched_person_ids": sorted(m.person_id for m in self.by_status("unmatched")),
            "ambiguous": len(self.by_status("ambiguous")),
            "ambiguous_person_ids": sorted(m.person_id for m in self.by_status("ambiguous")),
            "users_with_unknown_person_id": sorted(self.users_with_unknown_person_id),
        }


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def match_persons(
    persons: Iterable[Mapping[str, Any]], users: Iterable[Any], *, pseudonym_key: str | bytes | None = None
) -> MatchResult:
    """Apply the rule above. ``persons``: snapshot rows (``id``, ``identifierHmac``, ``email``, ``active``);
    ``users``: Taimer ``User`` models (or dicts with ``id``, ``personal_identifier``, ``email``,
    ``procountor_person_id``); ``pseudonym_key``: the key the persons' HMACs were made with (None: the identifier
    rule is off and only e-mail matches)."""
    users = list(users)
    persons = [p for p in persons if p.get("active", True)]
    by_digest: dict[str, list[str]] = {}
    by_email: dict[str, list[str]] = {}
    previous: dict[str, int | None] = {}
    for user in users:
        uid = str(_field(user, "id"))
        previous[uid] = _field(user, "procountor_person_id")
        digest = identifier_hmac(_field(user, "personal_identifier"), pseudonym_key)
        if digest:
            by_digest.setdefault(digest, []).append(uid)
        email = normalise_email(_field(user, "email"))
        if email:
            by_email.setdefault(email, []).append(uid)

    first: list[PersonMatch] = []
    for person in sorted(persons, key=lambda p: int(p["id"])):
        pid = int(person["id"])
        digest = person.get(IDENTIFIER_FIELD) if pseudonym_key else None
        email = normalise_email(person.get("email"))
        rule, found = None, []
        if digest and by_digest.get(digest):
            rule, found = RULE_IDENTIFIER, by_digest[digest]
        elif email and by_email.get(email):
            rule, found = RULE_EMAIL, by_email[email]
        if not found:
            first.append(PersonMatch(pid, None, None, "unmatched"))
        elif len(found) > 1:
            first.append(PersonMatch(pid, None, rule, "ambiguous", tuple(sorted(found))))
        else:
            first.append(PersonMatch(pid, found[0], rule, "matched", previous_person_id=previous.get(found[0])))

    claimed: dict[str, list[int]] = {}
    for m in first:
        if m.status == "matched" and m.user_id:
            claimed.setdefault(m.user_id, []).append(m.person_id)
    result = MatchResult()
    for m in first:
        if m.status == "matched" and m.user_id is not None and len(claimed[m.user_id]) > 1:
            result.matches.append(PersonMatch(m.person_id, None, m.rule, "ambiguous", (m.user_id,)))
        else:
            result.matches.append(m)
    known = {int(p["id"]) for p in persons}
    relinked = {m.user_id for m in result.matches if m.status == "matched"}
    result.users_with_unknown_person_id = sorted(
        str(_field(u, "id"))
        for u in users
        if _field(u, "procountor_person_id") is not None
        and int(_field(u, "procountor_person_id")) not in known
        and str(_field(u, "id")) not in relinked  # a match replaces the unknown ID in this run
    )
    return result
