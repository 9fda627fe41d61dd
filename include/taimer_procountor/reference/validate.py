"""Checks of the reference sync that report and never stop the run: rows the ledger cannot key
(``screen_items``, applied to every kind before it is stored) and the company's bank accounts
(``bank_account_check``, the ``check_bank_accounts`` task; its rule is ``bank.check_bank_accounts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taimer_procountor.redaction import get_logger
from taimer_procountor.reference.bank import check_bank_accounts
from taimer_procountor.reference.extract import (
    ITEM_DUPLICATE_KEY,
    ITEM_INVALID,
    KEEP_ITEM,
    KEEP_MISSING,
    ReferenceProblem,
    problem,
)

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger
    from taimer_procountor.taimer.adapter import TaimerAdapter

log = get_logger(__name__)


def screen_items(
    kind: str, items: Sequence[dict[str, Any]], key_field: str
) -> tuple[list[dict[str, Any]], list[ReferenceProblem]]:
    """Split ``items`` into rows the ledger can key and problems: a row without its key field is
    ``REFERENCE_ITEM_INVALID`` (``keep_missing``: nothing of the kind is marked removed this time); a key that several
    rows carry is ``REFERENCE_ITEM_DUPLICATE_KEY`` and all those rows are left out (which one is right is unknown;
    the key keeps its last good copy). Details name the kind and key only, never a row's content."""
    counts: dict[str, int] = {}
    for item in items:
        if item.get(key_field) is not None:
            counts[str(item[key_field])] = counts.get(str(item[key_field]), 0) + 1
    good: list[dict[str, Any]] = []
    problems: list[ReferenceProblem] = []
    keyless = 0
    for item in items:
        value = item.get(key_field)
        if value is None:
            keyless += 1
        elif counts[str(value)] == 1:
            good.append(item)
    if keyless:
        problems.append(
            problem(ITEM_INVALID, kind, f"{kind}: {keyless} row(s) without {key_field}", effect=KEEP_MISSING)
        )
    for key in sorted(k for k, n in counts.items() if n > 1):
        problems.append(
            problem(
                ITEM_DUPLICATE_KEY,
                kind,
                f"{kind}: {counts[key]} rows with {key_field} {key}; none of them was taken",
                item=key,
                effect=KEEP_ITEM,
            )
        )
    return good, problems


def bank_account_check(ledger: Ledger, taimer: TaimerAdapter) -> dict[str, Any]:
    """Taimer's company IBANs against the Procountor bank accounts in the ledger's current snapshot."""
    company = taimer.get_company_settings()
    check = check_bank_accounts(
        [b.iban for b in company.bank_accounts], ledger.reference.reference_items("bank_accounts")
    )
    if check.ok:
        log.info("bank accounts: all %d Taimer account(s) are active in Procountor", check.taimer_accounts)
    for found in check.problems:
        log.warning("bank accounts: %s %s: %s", found.code, found.iban, found.detail)
    return check.summary()
