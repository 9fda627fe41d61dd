"""Valid example documents for the sandbox's default company (``default_dataset()``), shared by tests and benchmarks.

The invoice is dated today (the default company's fiscal years are open around today) with the general VAT rate
25.5 % (valid from 2024-09-01); the bank
accounts are the default company's own (sales) and a supplier's (purchase).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from taimer_procountor.procountor.models import (
    Address,
    CounterParty,
    ExtraInfo,
    Invoice,
    InvoiceRow,
    PaymentInfo,
)


def example_invoice(number: str, inv_type: str = "SALES_INVOICE") -> Invoice:
    """A valid invoice: a NO_SENDING sales invoice, or (``inv_type`` PURCHASE_INVOICE) a purchase invoice."""
    today = dt.date.today()
    sales = inv_type == "SALES_INVOICE"
    own_account = {"accountNumber": "FI2112345600000785"}
    supplier_account = {"accountNumber": "FI4950009420028730", "bic": "OKOYFIHH"}
    return Invoice(
        type=inv_type,
        date=today,
        status="UNFINISHED",
        counter_party=CounterParty(
            counter_party_address=Address(name="Asiakas Oy", street="Katu 1", zip="00100", city="Helsinki"),
            identifier="1234567-1",
        ),
        payment_info=PaymentInfo(
            payment_method="BANK_TRANSFER",
            currency="EUR",
            due_date=today + dt.timedelta(days=14),
            currency_rate=Decimal(1),
            bank_account=own_account if sales else supplier_account,
        ),
        extra_info=ExtraInfo(accounting_by_row=False, unit_prices_include_vat=False),
        discount_percent=Decimal(0),
        invoice_rows=[
            InvoiceRow(
                product="Konsultointi",
                quantity=Decimal("2"),
                unit="HOUR",
                unit_price=Decimal("100"),
                discount_percent=Decimal(0),
                vat_percent=Decimal("25.5"),
            )
        ],
        invoice_channel="NO_SENDING",
        vat_status=1,
        language="FINNISH" if sales else None,
        original_invoice_number=number,
    )
