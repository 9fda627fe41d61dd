"""One Procountor company's reference data, as the sandbox serves it (``POST /_control/fixture`` loads one).

Field names of ``ProcountorDataset`` are ours (snake_case); the values are Procountor's own API shapes (camelCase
dicts), validated against the OpenAPI YAML where it has a schema (``Company``, ``LedgerAccount``, ``Dimension``,
``Person``, ``FiscalYear``, ``VatStatusInfo``, ``Invoice``) or against the sandbox's own schemas (``Product``,
``BankAccountInfo``). The sandbox serves them as they are. ``vat_rates`` is our own shape: which percentages the company
uses for sales/purchase and when each is valid. Credentials are not part of a dataset.

``default_dataset()`` is a realistic Finnish company whose fiscal years reach at least a year past today, so tests keep
working after 2027.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandboxes.procountor.schema import schema_errors
from taimer_procountor.finnish_vat import FINNISH_VAT_VALIDITY
from taimer_procountor.identifiers import business_id_with_check


class VatRate(BaseModel):
    """A VAT percentage the company uses, for sales and/or purchase, valid from/to (inclusive; None = open)."""

    model_config = ConfigDict(extra="forbid")

    percent: Decimal
    sales: bool = True
    purchase: bool = True
    valid_from: date | None = None
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class DefaultAccounts(BaseModel):
    """Accounts the sandbox uses when it builds an invoice's ledger receipt (sandbox's own; not a Procountor shape)."""

    model_config = ConfigDict(extra="forbid")

    sales_receivable: str = "1700"
    sales_entry: str = "3000"
    purchase_payable: str = "2871"
    purchase_entry: str = "4000"
    travel_payable: str = "2861"
    travel_entry: str = "7600"
    expense_payable: str = "2861"
    expense_entry: str = "8380"


def _check(name: str, items: list[dict[str, Any]], what: str) -> list[dict[str, Any]]:
    for i, item in enumerate(items):
        errs = schema_errors(name, item, prefix=f"{what}[{i}]")
        if errs:
            raise ValueError("; ".join(f"{e['field']}: {e['message']}" for e in errs[:5]))
    return items


class ProcountorDataset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company: dict[str, Any]
    ledger_accounts: list[dict[str, Any]]
    dimensions: list[dict[str, Any]] = Field(default_factory=list)
    products: list[dict[str, Any]] = Field(default_factory=list)
    persons: list[dict[str, Any]] = Field(default_factory=list)
    vat_rates: list[VatRate]
    vat_statuses: list[dict[str, Any]] = Field(default_factory=list)
    # VAT statuses whose rows must carry 0 % VAT (EU sales, reverse charge); another % -> ERROR_VATSTATUS_VATPERC
    zero_rate_vat_statuses: list[int] = Field(default_factory=list)
    bank_accounts: list[dict[str, Any]] = Field(default_factory=list)
    fiscal_years: list[dict[str, Any]]
    einvoice_operators: list[str] = Field(default_factory=list)
    invoices: list[dict[str, Any]] = Field(default_factory=list)
    default_accounts: DefaultAccounts = Field(default_factory=DefaultAccounts)

    @field_validator("company")
    @classmethod
    def _company(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check("Company", [v], "company")[0]

    @field_validator("ledger_accounts")
    @classmethod
    def _coa(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("LedgerAccount", v, "ledger_accounts")

    @field_validator("dimensions")
    @classmethod
    def _dims(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("Dimension", v, "dimensions")

    @field_validator("products")
    @classmethod
    def _products(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("own:Product", v, "products")

    @field_validator("persons")
    @classmethod
    def _persons(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("Person", v, "persons")

    @field_validator("vat_statuses")
    @classmethod
    def _vat_statuses(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("VatStatusInfo", v, "vat_statuses")

    @field_validator("bank_accounts")
    @classmethod
    def _banks(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("own:BankAccountInfo", v, "bank_accounts")

    @field_validator("fiscal_years")
    @classmethod
    def _fys(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("FiscalYear", v, "fiscal_years")

    @field_validator("invoices")
    @classmethod
    def _invoices(cls, v: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return _check("Invoice", v, "invoices")

    @model_validator(mode="after")
    def _ids_present(self) -> ProcountorDataset:
        for what in ("dimensions", "products", "persons", "bank_accounts", "fiscal_years"):
            for i, item in enumerate(getattr(self, what)):
                if not isinstance(item.get("id"), int):
                    raise ValueError(f"{what}[{i}].id must be an integer")
        for i, dim in enumerate(self.dimensions):
            for j, item in enumerate(dim.get("items", [])):
                if not isinstance(item.get("id"), int):
                    raise ValueError(f"dimensions[{i}].items[{j}].id must be an integer")
        return self


# --- the default company -------------------------------------------------------------------------------------------


def fi_iban(bban: str) -> str:
    """A Finnish IBAN (no spaces) for a 14-digit BBAN, with correct check digits."""
    digits = bban + "151800"  # F=15 I=18 + "00"
    check = 98 - int(digits) % 97
    return f"FI{check:02d}{bban}"


def ytunnus_with_check(base7: str) -> str:
    """A Finnish business ID (Y-tunnus) ``NNNNNNN-C`` for seven digits, with its check digit (stdnum validates it)."""
    return business_id_with_check(base7)


def _month_periods(year: int, first_id: int, closed_through_month: int) -> list[dict[str, Any]]:
    out = []
    for m in range(1, 13):
        start = date(year, m, 1)
        end = (date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1)) - timedelta(days=1)
        out.append(
            {
                "id": first_id + m,
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "status": "CLOSED" if m <= closed_through_month else "OPEN",
                "modified": f"{year}-01-01T08:00:00",
            }
        )
    return out


def _fiscal_years(today: date) -> list[dict[str, Any]]:
    last = max(2027, today.year + 1)
    years = []
    for y in range(2024, last + 1):
        closed_through = 12 if y == 2024 else (3 if y == 2025 else 0)
        years.append(
            {
                "id": y,
                "startDate": f"{y}-01-01",
                "endDate": f"{y}-12-31",
                "modified": f"{y}-01-01T08:00:00",
                "isOpen": y != 2024,
                "trackingPeriods": _month_periods(y, y * 100, closed_through),
            }
        )
    return sorted(years, key=lambda fy: fy["startDate"], reverse=True)


def _account(code: str, name: str, active: bool = True, en: str | None = None) -> dict[str, Any]:
    acc: dict[str, Any] = {"ledgerAccountCode": code, "name": name, "active": active}
    if en:
        acc["translations"] = [{"languageCode": "en", "translation": en}]
    return acc


def person(
    pid: int, first: str, last: str, number: str, iban: str, *, email: str | None = None, active: bool = True
) -> dict[str, Any]:
    """A Procountor ``Person`` (as ``GET /persons/{id}`` answers) with a bank account for reimbursements; the default
    company's persons and the seed generator's both come from here. ``email`` defaults to first.last@example.fi."""
    return {
        "id": pid,
        "firstName": first,
        "lastName": last,
        "jobTitle": "Konsultti",
        "deliveryAddress": {"street": "Mannerheimintie 10", "zip": "00100", "city": "Helsinki", "country": "FINLAND"},
        "paymentInfo": {
            "paymentMethod": "BANK_TRANSFER",
            "accountNumber": iban,
            "bic": "NDEAFIHH",
            "paymentTermDays": "14",
            "penalInterestRate": 8.0,
        },
        "invoicingInfo": {"personNumber": number, "language": "FINNISH", "gender": "NOT_APPLICABLE"},
        "registryInfo": {"active": active, "email": email or f"{first.lower()}.{last.lower()}@example.fi"},
        "version": "2025-01-02T09:00:00",
    }


def default_dataset(today: date | None = None) -> ProcountorDataset:
    """A realistic Finnish company: Finnish VAT by date, a chart of accounts, a cost-center dimension, products,
    persons, two bank accounts, fiscal years 2024 (closed) through at least next year (open)."""
    today = today or date.today()
    iban_main = fi_iban("12345600000785")
    iban_second = fi_iban("40060010003331")
    company = {
        "id": 1001,
        "name": "Sandbox Konsultointi Oy",
        "country": "FINLAND",
        "productVersion": "FINANCIALS_PLUS",
        "operationType": "DEMONSTRATION",
        "companyAddress": {"street": "Keskuskatu 1", "zip": "00100", "city": "Helsinki", "country": "FINLAND"},
        "billingAddress": {"street": "Keskuskatu 1", "zip": "00100", "city": "Helsinki", "country": "FINLAND"},
        "mva": False,
        "inTradeRegister": True,
        "businessIdentifier": {"brnType": "FI", "code": ytunnus_with_check("1234567")},
        "accountingCoaLanguages": ["fi", "en"],
        "companyCurrency": "EUR",
        "currencyRateSearchDensity": "DAILY_EXCHANGE_RATE",
    }
    ledger_accounts = [
        _account("1700", "Myyntisaamiset", en="Trade receivables"),
        _account("1763", "Arvonlisäverosaamiset", en="VAT receivables"),
        _account("1910", "Pankkitili", en="Bank account"),
        _account("2861", "Henkilöstövelat (matka- ja kululaskut)", en="Payables to personnel"),
        _account("2871", "Ostovelat", en="Trade payables"),
        _account("2939", "Arvonlisäverovelka", en="VAT payable"),
        _account("3000", "Myynti ALV 25,5 %", en="Sales VAT 25.5 %"),
        _account("3010", "Myynti ALV 13,5 %", en="Sales VAT 13.5 %"),
        _account("3020", "Myynti ALV 10 %", en="Sales VAT 10 %"),
        _account("3050", "Myynti ALV 0 %", en="Sales VAT 0 %"),
        _account("3100", "Palvelumyynti EU", en="Service sales EU"),
        _account("3990", "Muut myyntituotot (vanha)", active=False, en="Other sales income (old)"),
        _account("4000", "Ostot", en="Purchases"),
        _account("4450", "Alihankinnat", en="Subcontracting"),
        _account("6800", "Vuokrat", en="Rents"),
        _account("7600", "Matkakulut", en="Travel expenses"),
        _account("7620", "Päivärahat", en="Per diems"),
        _account("7650", "Kilometrikorvaukset", en="Mileage allowances"),
        _account("8380", "Muut kulut", en="Other expenses"),
        _account("8390", "Edustuskulut (vanha)", active=False),
    ]
    dimensions = [
        {
            "id": 501,
            "name": "Kustannuspaikka",
            "items": [
                {"id": 5011, "codeName": "100", "description": "Hallinto"},
                {"id": 5012, "codeName": "200", "description": "Myynti"},
                {"id": 5013, "codeName": "300", "description": "Konsultointi"},
                {"id": 5014, "codeName": "900", "description": "Lakkautettu yksikkö", "status": "P"},
            ],
        },
        {
            "id": 502,
            "name": "Projekti",
            "items": [
                {"id": 5021, "codeName": "P-1001", "description": "Asiakasprojekti A"},
                {"id": 5022, "codeName": "P-1002", "description": "Asiakasprojekti B"},
            ],
        },
    ]
    products = [
        {"id": 701, "type": "SALES", "name": "Konsultointi", "code": "KONS", "unit": "HOUR", "price": 120.0,
         "vat": 25.5, "vatStatus": 1, "active": True, "defaultAccount": "3000", "currency": "EUR",
         "version": "2025-01-02T09:00:00"},
        {"id": 702, "type": "SALES", "name": "Koulutus", "code": "KOUL", "unit": "DAY", "price": 900.0,
         "vat": 25.5, "vatStatus": 1, "active": True, "defaultAccount": "3000", "currency": "EUR",
         "version": "2025-01-02T09:00:00"},
        {"id": 703, "type": "SALES", "name": "Kirjat", "code": "KIRJA", "unit": "PIECE", "price": 35.0,
         "vat": 13.5, "vatStatus": 1, "active": True, "defaultAccount": "3010", "currency": "EUR",
         "version": "2026-01-01T09:00:00"},
        {"id": 711, "type": "PURCHASE", "name": "Ohjelmistolisenssi", "code": "LIS", "unit": "MONTH", "price": 49.0,
         "vat": 25.5, "vatStatus": 1, "active": True, "defaultAccount": "4000", "currency": "EUR",
         "version": "2025-01-02T09:00:00"},
        {"id": 712, "type": "PURCHASE", "name": "Alihankinta", "code": "ALIH", "unit": "HOUR", "price": 80.0,
         "vat": 25.5, "vatStatus": 1, "active": True, "defaultAccount": "4450", "currency": "EUR",
         "version": "2025-01-02T09:00:00"},
        {"id": 721, "type": "TRAVEL", "name": "Kotimaan kokopäiväraha", "code": "PR-KOKO", "unit": "DAY",
         "price": 54.0, "vat": 0, "active": True, "bookkeepingAccount": "7620", "currency": "EUR",
         "startDate": "2025-01-01", "endDate": "2025-12-31", "version": "2025-01-02T09:00:00"},
        {"id": 722, "type": "TRAVEL", "name": "Kotimaan kokopäiväraha", "code": "PR-KOKO", "unit": "DAY",
         "price": 54.0, "vat": 0, "active": True, "bookkeepingAccount": "7620", "currency": "EUR",
         "startDate": "2026-01-01", "version": "2026-01-01T09:00:00"},
        {"id": 723, "type": "TRAVEL", "name": "Kilometrikorvaus", "code": "KM", "unit": "KILOMETER",
         "price": 0.55, "vat": 0, "active": True, "bookkeepingAccount": "7650", "currency": "EUR",
         "startDate": "2026-01-01", "version": "2026-01-01T09:00:00"},
    ]  # fmt: skip
    persons = [
        person(801, "Maija", "Meikäläinen", "1001", fi_iban("12345600001234")),
        person(802, "Matti", "Virtanen", "1002", fi_iban("40060010004444")),
        person(803, "Liisa", "Korhonen", "1003", fi_iban("50000120006789")),
        person(804, "Pekka", "Entinen", "1004", fi_iban("12345600009999"), active=False),
    ]
    vat_rates = [
        VatRate(percent=percent, valid_from=valid_from, valid_to=valid_to)
        for percent, (valid_from, valid_to) in FINNISH_VAT_VALIDITY.items()
    ]
    vat_statuses = [
        {"vatStatus": 1, "description": "Kotimaan myynti/osto", "sales": True, "purchase": True},
        {"vatStatus": 2, "description": "EU-tavaramyynti", "sales": True, "purchase": False},
        {"vatStatus": 3, "description": "EU-palvelumyynti", "sales": True, "purchase": False},
        {"vatStatus": 4, "description": "Rakentamispalvelun myynti (käännetty verovelvollisuus)", "sales": True,
         "purchase": False},
        {"vatStatus": 6, "description": "Veroton (ei ALV-käsittelyä)", "sales": True, "purchase": True},
        {"vatStatus": 12, "description": "EU-palveluostot", "sales": False, "purchase": True},
    ]  # fmt: skip
    bank_accounts = [
        {"id": 901, "accountNumber": "12345600000785", "iban": iban_main, "bic": "NDEAFIHH", "bankName": "Nordea",
         "currency": "EUR", "defaultForInvoice": True, "defaultForPayment": True, "status": "ACTIVE", "orderNo": 1,
         "associatedAccounts": [], "version": "2025-01-02T09:00:00"},
        {"id": 902, "accountNumber": "40060010003331", "iban": iban_second, "bic": "OKOYFIHH", "bankName": "OP",
         "currency": "EUR", "defaultForInvoice": False, "defaultForPayment": False, "status": "ACTIVE",
         "orderNo": 2, "associatedAccounts": [], "version": "2025-01-02T09:00:00"},
    ]  # fmt: skip
    operators = [
        "003721291126", "003723327487", "003708599126", "003714377140", "003703575029", "E204503",
        "NDEAFIHH", "OKOYFIHH", "HELSFIHH", "DABAFIHH", "HANDFIHH", "AABAFI22", "SBANFIHH", "POPFFI22",
        "ITELFIHH", "FIYAPSOL", "INEXCHANGE", "PEPPOL",
    ]  # fmt: skip
    return ProcountorDataset(
        company=company,
        ledger_accounts=ledger_accounts,
        dimensions=dimensions,
        products=products,
        persons=persons,
        vat_rates=vat_rates,
        vat_statuses=vat_statuses,
        zero_rate_vat_statuses=[2, 3, 4, 6, 12],
        bank_accounts=bank_accounts,
        fiscal_years=_fiscal_years(today),
        einvoice_operators=operators,
        invoices=[],
    )
