"""The company bank-account check: every bank account in Taimer's company settings must be an active bank account
of the company in Procountor (the seed article: "Varmista, että Taimerissa oleva yrityksesi pankkitili vastaa
Procountorissa olevaa pankkitiliä").

IBANs are compared normalised with ``schwifty`` (spaces and case do not matter; a Taimer IBAN with bad check digits
is reported as invalid rather than as a mismatch). A Procountor account counts when its ``status`` is ``ACTIVE`` (or
missing). Procountor accounts that are not in Taimer are fine: Taimer may use only some of them. The check reports,
it never raises: invoices with a bad account are stopped one by one by the outbound flow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from taimer_procountor.identifiers import valid_compact_iban


def mask_iban(value: str) -> str:
    """``FI21 **** 0785``: enough to recognise an account in a report, without spelling it out."""
    compact = "".join(value.split()).upper()
    return f"{compact[:4]} **** {compact[-4:]}" if len(compact) > 8 else "****"


@dataclass(frozen=True)
class BankProblem:
    """A catalogue code against one Taimer company IBAN (``iban`` masked, ``mask_iban``; empty when Taimer has
    none)."""

    code: str
    iban: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "iban": self.iban, "detail": self.detail}


@dataclass
class BankCheck:
    status: str  # "ok" / "mismatch"
    taimer_accounts: int = 0
    procountor_active_accounts: int = 0
    matched: list[str] = field(default_factory=list)  # masked IBANs
    problems: list[BankProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def summary(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "taimer_accounts": self.taimer_accounts,
            "procountor_active_accounts": self.procountor_active_accounts,
            "matched": list(self.matched),
            "problems": [p.to_json() for p in self.problems],
        }


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def check_bank_accounts(taimer_ibans: Iterable[str], procountor_accounts: Iterable[Mapping[str, Any]]) -> BankCheck:
    """Compare Taimer's company IBANs with Procountor's bank accounts (snapshot rows: ``iban`` or
    ``accountNumber``, ``status``)."""
    active: set[str] = set()
    inactive: set[str] = set()
    for acc in procountor_accounts:
        iban = valid_compact_iban(_get(acc, "iban")) or valid_compact_iban(_get(acc, "accountNumber"))
        if iban is None:
            continue
        status = (_get(acc, "status") or "ACTIVE").upper()
        (active if status == "ACTIVE" else inactive).add(iban)
    inactive -= active
    taimer = [t for t in taimer_ibans if t]
    check = BankCheck(status="ok", taimer_accounts=len(taimer), procountor_active_accounts=len(active))
    if not taimer:
        check.problems.append(
            BankProblem("REFERENCE_NO_TAIMER_BANK_ACCOUNT", "", "Taimer's company settings list none")
        )
    for raw in taimer:
        iban = valid_compact_iban(raw)
        if iban is None:
            check.problems.append(
                BankProblem("REFERENCE_BANK_ACCOUNT_INVALID_IBAN", mask_iban(raw), "not a valid IBAN")
            )
        elif iban in active:
            check.matched.append(mask_iban(iban))
        elif iban in inactive:
            check.problems.append(
                BankProblem("REFERENCE_BANK_ACCOUNT_INACTIVE", mask_iban(iban), "in Procountor, but not active")
            )
        else:
            check.problems.append(
                BankProblem(
                    "REFERENCE_BANK_ACCOUNT_MISMATCH",
                    mask_iban(iban),
                    f"not among Procountor's {len(active)} active bank account(s)",
                )
            )
    if check.problems:
        check.status = "mismatch"
    return check
