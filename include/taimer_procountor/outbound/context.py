"""What transform and validation read besides the document: Procountor's reference data (the ledger's latest
reference snapshot, see ``taimer_procountor.reference.kinds.SNAPSHOT_KINDS``) and Taimer's company settings.

``context_from_snapshot`` is pure (tests and the benchmark build a context from rows they hold);
``build_context`` reads the rows from the ledger. Lookups are normalised once here so the rules compare like with
like: IBANs without spaces in upper case, VAT percentages as normalised ``Decimal`` (``24.0`` equals ``24``),
e-invoice operators trimmed and upper case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from taimer_procountor.finnish_vat import as_percent, is_valid_on
from taimer_procountor.identifiers import normalise_iban
from taimer_procountor.reference.transform import is_finnish
from taimer_procountor.taimer.models import CompanySettings, Product, User, VatRateKind, WorkType

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

# Finnish e-invoice operator identifiers (TIEKE's register of operators and the banks' BICs). Procountor's API has
# no endpoint that lists them, so the integration keeps the list; a code outside it is refused before sending.
EINVOICE_OPERATORS: frozenset[str] = frozenset(
    {
        "003701011385",  # Nets (ex Tieto) e-invoice
        "003701150617",  # Strålfors / Posti Messaging
        "003703575029",  # CGI / Telia
        "003708599126",  # Liaison (ex OpusCapita)
        "003710948874",  # Tieto (ex Enfo)
        "003714377140",  # Ropo Capital
        "003721291126",  # Maventa
        "003723327487",  # Apix Messaging
        "003723609900",  # Pagero
        "003726044706",  # Netvisor
        "003701113062",  # Visma Solutions (Fivaldi)
        "00885790000000418",  # Heeros
        "E204503",  # Liaison / OpusCapita
        "BAWCFI22",  # Basware
        "INEXCHANGE",  # InExchange Factorum
        "PEPPOL",  # delivery through the PEPPOL network
        "FIYAPSOL",  # YAP Solutions
        "TAPIFI22",  # S-Pankki (ex Tapiola)
        "AABAFI22",  # Ålandsbanken
        "DABAFIHH",  # Danske Bank
        "DNBAFIHX",  # DNB
        "HANDFIHH",  # Handelsbanken
        "HELSFIHH",  # Aktia
        "ITELFIHH",  # Säästöpankit / Oma Säästöpankki
        "NDEAFIHH",  # Nordea
        "OKOYFIHH",  # OP
        "POPFFI22",  # POP Pankki
        "SBANFIHH",  # S-Pankki
        "SWEDFIHH",  # Swedbank
    }
)

# The VAT status of a domestic sale or purchase (Procountor "Kotimaan myynti/osto"); sales and purchase invoices
# carry it (travel and expense invoices need none).
DOMESTIC_VAT_STATUS = 1


def normalise_operator(value: str | None) -> str:
    return (value or "").strip().upper()


@dataclass(frozen=True)
class CostCenter:
    """One item of Procountor's cost-center dimension, by its code (Taimer's ``cost_center``)."""

    code: str
    dimension_id: int | None
    item_id: int | None
    active: bool


@dataclass(frozen=True)
class Person:
    """One person of Procountor's person register (the reference snapshot's ``persons``), by person ID."""

    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class TravelProduct:
    """A product of type TRAVEL (per diems, mileage) with its validity; ``None`` ends mean open."""

    id: int
    name: str
    active: bool
    start: date | None
    end: date | None

    def valid_on(self, day: date) -> bool:
        return self.active and (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class FiscalPeriod:
    """A tracking period (or a fiscal year without periods); ``open`` only when the year is open too."""

    start: date
    end: date
    open: bool


@dataclass(frozen=True)
class OutboundContext:
    """What transform and validation read besides the document: Procountor's reference data (the ledger's latest
    reference snapshot) and Taimer's company settings."""

    company: CompanySettings
    bank_accounts: frozenset[str] = frozenset()  # normalised IBANs of Procountor's ACTIVE bank accounts
    inactive_bank_accounts: frozenset[str] = frozenset()
    vat_percentages: Mapping[VatRateKind, frozenset[Decimal]] = field(default_factory=dict)  # in use, per side
    vat_statuses: Mapping[VatRateKind, frozenset[int]] = field(default_factory=dict)
    finnish_vat_dates: bool = True  # check percentages against the Finnish date table (finnish_vat.py)
    ledger_accounts: Mapping[str, bool] = field(default_factory=dict)  # account number -> active
    cost_centers: Mapping[str, CostCenter] = field(default_factory=dict)  # code -> item
    procountor_products: Mapping[int, bool] = field(default_factory=dict)  # Procountor product id -> active
    products: Mapping[str, int] = field(default_factory=dict)  # Taimer product id -> Procountor product id
    work_types: Mapping[str, int] = field(default_factory=dict)  # Taimer work type id -> Procountor product id
    fiscal_periods: tuple[FiscalPeriod, ...] = ()
    einvoice_operators: frozenset[str] = EINVOICE_OPERATORS
    empty_kinds: tuple[str, ...] = ()  # reference kinds the snapshot held no item of (never synced, or emptied)
    persons: Mapping[int, Person] = field(default_factory=dict)  # Procountor person ID -> person (inactive too)
    travel_products: Mapping[int, TravelProduct] = field(default_factory=dict)  # products of type TRAVEL
    users: Mapping[str, User] = field(default_factory=dict)  # Taimer user id -> user (owners and transferrers)

    # --- lookups the rules share ------------------------------------------------------------------------------

    def period_open(self, day: date) -> bool:
        """True when ``day`` falls in an open period of an open fiscal year (outside every fiscal year: closed)."""
        return any(p.start <= day <= p.end and p.open for p in self.fiscal_periods)

    def vat_in_use(self, percent: object, side: VatRateKind) -> bool:
        """True when Procountor has ``percent`` in use for ``side`` (sales or purchase)."""
        return as_percent(percent) in self.vat_percentages.get(side, frozenset())

    def vat_status_in_use(self, status: int, side: VatRateKind) -> bool:
        return status in self.vat_statuses.get(side, frozenset())

    def vat_valid_on(self, percent: object, day: date) -> bool:
        """True when ``percent`` applies on ``day`` (the Finnish date table; always true for other countries)."""
        return not self.finnish_vat_dates or is_valid_on(percent, day)

    def operator_known(self, operator: str | None) -> bool:
        return normalise_operator(operator) in self.einvoice_operators

    def bank_account_active(self, iban: str | None) -> bool:
        return normalise_iban(iban) in self.bank_accounts

    def procountor_product_for(self, product_id: str | None, work_type_id: str | None) -> int | None:
        """The Procountor product a Taimer row maps to: its work type's mapping first (per-work-type tracking),
        then its product's; None when Taimer has no mapping."""
        if work_type_id is not None and work_type_id in self.work_types:
            return self.work_types[work_type_id]
        if product_id is not None:
            return self.products.get(product_id)
        return None


Row = Mapping[str, Any]


def _active(row: Row) -> bool:
    return True if row.get("active") is None else bool(row["active"])


def _periods(rows: Iterable[Row]) -> tuple[FiscalPeriod, ...]:
    out: list[FiscalPeriod] = []
    for fy in rows:
        fy_open = fy.get("isOpen", True) is not False
        periods = fy.get("trackingPeriods") or []
        for tp in periods:
            if tp.get("startDate") and tp.get("endDate"):
                out.append(
                    FiscalPeriod(
                        date.fromisoformat(tp["startDate"]),
                        date.fromisoformat(tp["endDate"]),
                        fy_open and tp.get("status") == "OPEN",
                    )
                )
        if not periods and fy.get("startDate") and fy.get("endDate"):
            out.append(FiscalPeriod(date.fromisoformat(fy["startDate"]), date.fromisoformat(fy["endDate"]), fy_open))
    return tuple(sorted(out, key=lambda p: p.start))


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def _persons(rows: Iterable[Row]) -> dict[int, Person]:
    out = {}
    for r in rows:
        if isinstance(r.get("id"), int):
            name = " ".join(str(n) for n in (r.get("firstName"), r.get("lastName")) if n)
            out[int(r["id"])] = Person(int(r["id"]), name, _active(r))
    return out


def _travel_products(rows: Iterable[Row]) -> dict[int, TravelProduct]:
    return {
        int(r["id"]): TravelProduct(
            int(r["id"]), str(r.get("name") or ""), _active(r), _day(r.get("startDate")), _day(r.get("endDate"))
        )
        for r in rows
        if r.get("type") == "TRAVEL" and isinstance(r.get("id"), int)
    }


def context_from_snapshot(
    company: CompanySettings,
    items: Mapping[str, Sequence[Row]],
    *,
    taimer_products: Iterable[Product] = (),
    work_types: Iterable[WorkType] = (),
    users: Iterable[User] = (),
    einvoice_operators: Iterable[str] | None = None,
) -> OutboundContext:
    """An ``OutboundContext`` from reference rows per snapshot kind (``ledger.reference.reference_items(kind)`` or
    ``FetchedSnapshot.items``) and Taimer's company settings, products, work types and users."""
    banks = items.get("bank_accounts", ())
    active_ibans = {normalise_iban(b.get("iban")) for b in banks if (b.get("status") or "ACTIVE") == "ACTIVE"}
    inactive_ibans = {normalise_iban(b.get("iban")) for b in banks} - active_ibans
    vat: dict[VatRateKind, set[Decimal]] = {VatRateKind.SALES: set(), VatRateKind.PURCHASE: set()}
    for r in items.get("vat_percentages", ()):
        for side in VatRateKind:
            if r.get(side.value):
                vat[side].add(as_percent(r["vatPercent"]))
    statuses: dict[VatRateKind, set[int]] = {VatRateKind.SALES: set(), VatRateKind.PURCHASE: set()}
    for r in items.get("vat_statuses", ()):
        for side in VatRateKind:
            if r.get(side.value):
                statuses[side].add(int(r["vatStatus"]))
    cost_centers = {
        str(r["codeName"]): CostCenter(
            code=str(r["codeName"]),
            dimension_id=r.get("dimensionId"),
            item_id=r.get("id") if isinstance(r.get("id"), int) else None,
            active=_active(r) and r.get("status") != "P",
        )
        for r in items.get("cost_centers", ())
        if r.get("codeName") is not None
    }
    return OutboundContext(
        company=company,
        bank_accounts=frozenset(i for i in active_ibans if i),
        inactive_bank_accounts=frozenset(i for i in inactive_ibans if i),
        vat_percentages={side: frozenset(v) for side, v in vat.items()},
        vat_statuses={side: frozenset(v) for side, v in statuses.items()},
        finnish_vat_dates=is_finnish(items.get("company", ())),
        ledger_accounts={str(r["ledgerAccountCode"]): _active(r) for r in items.get("ledger_accounts", ())},
        cost_centers=cost_centers,
        procountor_products={int(r["id"]): _active(r) for r in items.get("products", ())},
        products={p.id: p.procountor_product_id for p in taimer_products if p.procountor_product_id is not None},
        work_types={w.id: w.procountor_product_id for w in work_types if w.procountor_product_id is not None},
        fiscal_periods=_periods(items.get("fiscal_years", ())),
        empty_kinds=tuple(kind for kind in CONTEXT_KINDS if not items.get(kind)),
        persons=_persons(items.get("persons", ())),
        travel_products=_travel_products(items.get("products", ())),
        users={u.id: u for u in users},
        einvoice_operators=EINVOICE_OPERATORS
        if einvoice_operators is None
        else frozenset(normalise_operator(o) for o in einvoice_operators),
    )


# The snapshot kinds the context reads (a subset of reference.kinds.SNAPSHOT_KINDS).
CONTEXT_KINDS: tuple[str, ...] = (
    "company",
    "ledger_accounts",
    "cost_centers",
    "products",
    "persons",
    "vat_percentages",
    "vat_statuses",
    "bank_accounts",
    "fiscal_years",
)


def build_context(
    ledger: Ledger,
    company: CompanySettings,
    *,
    taimer_products: Iterable[Product] = (),
    work_types: Iterable[WorkType] = (),
    users: Iterable[User] = (),
) -> OutboundContext:
    """The context of one outbound run: the ledger's current reference items (one read per kind) and Taimer's
    company settings, product register, work types and users (``TaimerAdapter.iter_products``/
    ``iter_work_types``/``iter_users``)."""
    items = {kind: ledger.reference.reference_items(kind) for kind in CONTEXT_KINDS}
    return context_from_snapshot(company, items, taimer_products=taimer_products, work_types=work_types, users=users)
