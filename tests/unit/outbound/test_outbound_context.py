"""``context_from_snapshot``: reference rows as the ledger keeps them (Procountor's camelCase) become normalised
lookups; kinds without items are named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from taimer_procountor.outbound.context import CONTEXT_KINDS, context_from_snapshot
from taimer_procountor.taimer.models import CompanySettings, Product, VatRateKind, WorkType

ROWS = {
    "company": [{"id": 1, "name": "X Oy", "country": "FINLAND"}],
    "ledger_accounts": [{"ledgerAccountCode": "3000", "active": True}, {"ledgerAccountCode": "3990", "active": False},
                        {"ledgerAccountCode": "3010"}],
    "cost_centers": [{"id": 71, "codeName": "100", "dimensionId": 7, "active": True},
                     {"id": 79, "codeName": "900", "dimensionId": 7, "status": "P"}],
    "products": [{"id": 7001, "name": "A", "active": True}, {"id": 7009, "name": "B", "active": False},
                 {"id": 7021, "type": "TRAVEL", "name": "Päiväraha", "startDate": "2026-01-01"}],
    "persons": [{"id": 801, "firstName": "Maija", "lastName": "M", "active": True},
                {"id": 804, "firstName": "Pekka", "lastName": "E", "active": False}],
    "vat_percentages": [{"vatPercent": "25.5", "sales": True, "purchase": True},
                        {"vatPercent": "24.0", "sales": True, "purchase": False},
                        {"vatPercent": "12", "sales": False, "purchase": True}],
    "vat_statuses": [{"vatStatus": 1, "sales": True, "purchase": True}, {"vatStatus": 12, "purchase": True}],
    "bank_accounts": [{"id": 901, "iban": "fi21 1234 5600 0007 85", "status": "ACTIVE"},
                      {"id": 902, "iban": "FI1840060010003331", "status": "INACTIVE"}],
    "fiscal_years": [{"id": 2025, "startDate": "2025-01-01", "endDate": "2025-12-31", "isOpen": True,
                      "trackingPeriods": [{"startDate": "2025-01-01", "endDate": "2025-06-30", "status": "CLOSED"},
                                          {"startDate": "2025-07-01", "endDate": "2025-12-31", "status": "OPEN"}]},
                     {"id": 2024, "startDate": "2024-01-01", "endDate": "2024-12-31", "isOpen": False}],
}  # fmt: skip


def test_rows_become_normalised_lookups():
    company = CompanySettings(name="X Oy", business_id="1234567-1")
    ctx = context_from_snapshot(
        company,
        ROWS,
        taimer_products=[Product(id="tp-1", name="A", procountor_product_id=7001), Product(id="tp-2", name="N")],
        work_types=[WorkType(id="wt-1", name="W", procountor_product_id=7009)],
    )
    assert ctx.bank_accounts == {"FI2112345600000785"} and ctx.inactive_bank_accounts == {"FI1840060010003331"}
    assert ctx.bank_account_active("FI21 1234 5600 0007 85") and not ctx.bank_account_active("FI1840060010003331")
    assert ctx.vat_in_use(24, VatRateKind.SALES) and ctx.vat_in_use(Decimal("25.50"), VatRateKind.SALES)
    assert not ctx.vat_in_use(12, VatRateKind.SALES) and ctx.vat_in_use("12.0", VatRateKind.PURCHASE)
    assert ctx.vat_status_in_use(1, VatRateKind.SALES) and not ctx.vat_status_in_use(12, VatRateKind.SALES)
    assert ctx.finnish_vat_dates and not ctx.vat_valid_on(24, date(2025, 1, 1))
    assert ctx.ledger_accounts == {"3000": True, "3990": False, "3010": True}
    assert (ctx.cost_centers["100"].active, ctx.cost_centers["900"].active) == (True, False)
    assert ctx.cost_centers["100"].dimension_id == 7 and ctx.cost_centers["100"].item_id == 71
    assert ctx.procountor_products == {7001: True, 7009: False, 7021: True}
    assert {p.id: (p.name, p.active) for p in ctx.persons.values()} == {801: ("Maija M", True), 804: ("Pekka E", False)}
    assert set(ctx.travel_products) == {7021}
    assert ctx.travel_products[7021].valid_on(date(2026, 1, 1)) and not ctx.travel_products[7021].valid_on(
        date(2025, 12, 31)
    )
    assert ctx.products == {"tp-1": 7001} and ctx.work_types == {"wt-1": 7009}
    assert ctx.procountor_product_for("tp-1", "wt-1") == 7009 and ctx.procountor_product_for("tp-2", None) is None
    assert not ctx.period_open(date(2025, 3, 1)) and ctx.period_open(date(2025, 8, 1))
    assert not ctx.period_open(date(2024, 8, 1)) and not ctx.period_open(date(2031, 1, 1))
    assert ctx.operator_known(" ndeafihh ") and not ctx.operator_known("003799999999")
    assert ctx.empty_kinds == ()


def test_a_foreign_company_has_no_finnish_vat_dates_and_empty_kinds_are_named():
    company = CompanySettings(name="X AB", business_id="5561234567")
    ctx = context_from_snapshot(company, {"company": [{"id": 1, "name": "X AB", "country": "SWEDEN"}]})
    assert not ctx.finnish_vat_dates and ctx.vat_valid_on(24, date(2026, 1, 1))
    assert ctx.empty_kinds == tuple(k for k in CONTEXT_KINDS if k != "company")
