"""Fixtures of the outbound unit tests: a small reference context (as the ledger's snapshot would give it) and
builders of a good sales invoice and customer that each test spoils in one way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from taimer_procountor.outbound.context import CostCenter, FiscalPeriod, OutboundContext
from taimer_procountor.taimer.models import (
    Address,
    BankAccount,
    CompanySettings,
    Customer,
    InvoiceChannel,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    VatRateKind,
)

COMPANY_IBAN = "FI2112345600000785"  # Procountor's default, active
SECOND_IBAN = "FI1840060010003331"  # Procountor's, active; not Taimer's default
INACTIVE_IBAN = "FI5810171000000122"  # in Procountor, inactive
OPERATOR = "003721291126"


@pytest.fixture(scope="session")
def company() -> CompanySettings:
    return CompanySettings(
        name="Esimerkki Oy",
        business_id="1234567-1",
        address=Address(street="Mannerheimintie 1", postal_code="00100", city="Helsinki"),
        bank_accounts=[BankAccount(iban=COMPANY_IBAN)],
    )


@pytest.fixture(scope="session")
def ctx(company: CompanySettings) -> OutboundContext:
    return OutboundContext(
        company=company,
        bank_accounts=frozenset({COMPANY_IBAN, SECOND_IBAN}),
        inactive_bank_accounts=frozenset({INACTIVE_IBAN}),
        vat_percentages={
            VatRateKind.SALES: frozenset(Decimal(p) for p in ("0", "10", "13.5", "14", "24", "25.5")),
            VatRateKind.PURCHASE: frozenset(Decimal(p) for p in ("0", "10", "13.5", "14", "24", "25.5")),
        },
        vat_statuses={VatRateKind.SALES: frozenset({1, 2, 3, 6}), VatRateKind.PURCHASE: frozenset({1, 6, 12})},
        ledger_accounts={"3000": True, "3010": True, "3990": False},
        cost_centers={
            "100": CostCenter("100", 7, 71, True),
            "900": CostCenter("900", 7, 79, False),
        },
        procountor_products={7001: True, 7002: True, 7009: False},
        products={"tp-1": 7001, "tp-2": 7002, "tp-old": 7009, "tp-gone": 7777},
        work_types={"wt-1": 7002},
        fiscal_periods=(
            FiscalPeriod(date(2024, 1, 1), date(2024, 12, 31), False),
            FiscalPeriod(date(2025, 1, 1), date(2025, 3, 31), False),
            FiscalPeriod(date(2025, 4, 1), date(2027, 12, 31), True),
        ),
    )


@pytest.fixture(scope="session")
def make_customer() -> Callable[..., Customer]:
    def build(**overrides: Any) -> Customer:
        fields: dict[str, Any] = {
            "id": "c-1",
            "name": "Asiakas Oy",
            "business_id": "7654321-2",
            "address": Address(street="Hämeenkatu 5", postal_code="33100", city="Tampere"),
            "email": "laskut@asiakas.fi",
            "einvoice_address": "003776543212",
            "einvoice_operator": OPERATOR,
        }
        fields.update(overrides)
        return Customer(**fields)

    return build


@pytest.fixture(scope="session")
def make_invoice() -> Callable[..., SalesInvoice]:
    def build(**overrides: Any) -> SalesInvoice:
        fields: dict[str, Any] = {
            "id": "si-1",
            "number": 1001,
            "invoice_date": date(2026, 5, 4),
            "due_date": date(2026, 5, 18),
            "customer_id": "c-1",
            "channel": InvoiceChannel.EMAIL,
            "reference_number": "10016",
            "sales_account": "3000",
            "cost_center": "100",
            "bank_account_iban": COMPANY_IBAN,
            "our_reference": "Maija Meikäläinen",
            "your_reference": "Tilaus 4711",
            "rows": [
                SalesInvoiceRow(kind=RowKind.HEADER, name="Toukokuu 2026"),
                SalesInvoiceRow(
                    name="Konsultointi",
                    product_id="tp-1",
                    description_lines=["Suunnittelu 12 h"],
                    quantity=Decimal("12"),
                    unit="HOUR",
                    unit_price=Decimal("95.50"),
                    vat_percent=Decimal("25.5"),
                ),
            ],
        }
        fields.update(overrides)
        return SalesInvoice(**fields)

    return build


@pytest.fixture(scope="session")
def product_row() -> Callable[..., SalesInvoiceRow]:
    def build(**overrides: Any) -> SalesInvoiceRow:
        fields: dict[str, Any] = {
            "name": "Konsultointi",
            "product_id": "tp-1",
            "quantity": Decimal("1"),
            "unit": "HOUR",
            "unit_price": Decimal("100"),
            "vat_percent": Decimal("25.5"),
        }
        fields.update(overrides)
        return SalesInvoiceRow(**fields)

    return build
