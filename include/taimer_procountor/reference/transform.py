"""Procountor snapshot rows -> the Taimer reference models Taimer uses (``taimer_procountor.taimer.models``).

Each builder takes the current snapshot rows of its source kind (``ledger.reference.reference_items(kind)``) and
returns the *full desired set* for one Taimer kind, in a stable order, together with each item's key (the key the
Taimer contract uses: accounts ``number``; cost centers ``dimension_id:code``; products ``procountor_product_id``;
VAT rates ``kind:percent:valid_from``; persons ``person_id``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from taimer_procountor.finnish_vat import as_percent, validity
from taimer_procountor.reference.persons import MatchResult
from taimer_procountor.taimer.models import (
    PersonIdMatch,
    ReferenceAccount,
    ReferenceCostCenter,
    ReferenceProduct,
    VatRate,
    VatRateKind,
)

Row = Mapping[str, Any]


def account_items(rows: Iterable[Row]) -> list[tuple[str, ReferenceAccount]]:
    out = [
        (
            str(r["ledgerAccountCode"]),
            ReferenceAccount(
                number=str(r["ledgerAccountCode"]),
                name=r.get("name") or str(r["ledgerAccountCode"]),
                active=True if r.get("active") is None else bool(r["active"]),
            ),
        )
        for r in rows
    ]
    return sorted(out, key=lambda kv: kv[0])


def cost_center_items(rows: Iterable[Row]) -> list[tuple[str, ReferenceCostCenter]]:
    out = []
    for r in rows:
        dim = r.get("dimensionId")
        item_id = r.get("id")
        out.append(
            (
                f"{dim}:{r['codeName']}",
                ReferenceCostCenter(
                    code=str(r["codeName"]),
                    name=r.get("description"),
                    dimension_id=dim,
                    item_id=item_id if isinstance(item_id, int) else None,
                    active=True if r.get("active") is None else bool(r["active"]),
                ),
            )
        )
    return sorted(out, key=lambda kv: kv[0])


def product_items(rows: Iterable[Row]) -> list[tuple[str, ReferenceProduct]]:
    out = []
    for r in rows:
        pid = int(r["id"])
        out.append(
            (
                str(pid),
                ReferenceProduct(
                    procountor_product_id=pid,
                    name=r.get("name") or str(pid),
                    code=r.get("code"),
                    type=r.get("type") or "SALES",
                    unit=r.get("unit"),
                    price=None if r.get("price") is None else Decimal(str(r["price"])),
                    vat_percent=None if r.get("vat") is None else Decimal(str(r["vat"])),
                    account=r.get("defaultAccount") or r.get("bookkeepingAccount"),
                    active=True if r.get("active") is None else bool(r["active"]),
                ),
            )
        )
    return sorted(out, key=lambda kv: int(kv[0]))


def vat_rate_items(rows: Iterable[Row], *, finnish: bool = True) -> list[tuple[str, VatRate]]:
    out = []
    for r in rows:
        percent = as_percent(r["vatPercent"])
        valid_from, valid_to = validity(percent) if finnish else (None, None)
        for kind, flag in ((VatRateKind.SALES, r.get("sales")), (VatRateKind.PURCHASE, r.get("purchase"))):
            if flag:
                key = f"{kind.value}:{percent}:{valid_from.isoformat() if valid_from else ''}"
                out.append((key, VatRate(percent=percent, kind=kind, valid_from=valid_from, valid_to=valid_to)))
    return sorted(out, key=lambda kv: (kv[1].kind.value, kv[1].percent))


def person_items(rows: Iterable[Row], matches: MatchResult) -> list[tuple[str, PersonIdMatch]]:
    out = []
    for r in rows:
        if not r.get("active", True):
            continue
        pid = int(r["id"])
        name = " ".join(part for part in (r.get("firstName"), r.get("lastName")) if part) or str(pid)
        out.append(
            (str(pid), PersonIdMatch(person_id=pid, name=name, email=r.get("email"), user_id=matches.user_for(pid)))
        )
    return sorted(out, key=lambda kv: int(kv[0]))


def is_finnish(company_rows: Iterable[Row]) -> bool:
    for r in company_rows:
        return (r.get("country") or "FINLAND").upper() in {"FINLAND", "FI"}
    return True
