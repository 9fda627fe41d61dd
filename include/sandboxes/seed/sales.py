"""Sales invoices: rows by kind (header, product, description), the sales defects.

A part of the seed generator (``generator.py``). ``SalesInvoices`` holds the generator as ``self.g``
and reads and adds to its shared state (config, users, customers, projects, products, attachments, the manifest).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandboxes.seed import finnish as fi
from sandboxes.seed.common import (
    INACTIVE_ACCOUNT,
    INACTIVE_COST_CENTER,
    UNKNOWN_ACCOUNT,
    UNKNOWN_COST_CENTER,
    UNKNOWN_VAT,
    _fmt,
    _money,
    _rng,
    wrong_general_rate,
)
from sandboxes.seed.defects import DEFECTS, Defect
from taimer_procountor.identifiers import fi_reference_with_check, rf_reference_with_check
from taimer_procountor.taimer.models import (
    DocumentKind,
    IntegrationStatus,
    InvoiceChannel,
    Project,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    SyncState,
)

if TYPE_CHECKING:
    from sandboxes.seed.generator import _Generator


class SalesInvoices:
    def __init__(self, g: _Generator) -> None:
        self.g = g

    def sales_rows(self, rnd: random.Random, day: date, project: Project | None) -> list[SalesInvoiceRow]:
        rows: list[SalesInvoiceRow] = []
        if rnd.random() < 0.35:
            rows.append(
                SalesInvoiceRow(
                    kind=RowKind.HEADER,
                    name=_fmt(rnd.choice(fi.HEADER_TEXTS), rnd, day, project.name if project else ""),
                )
            )
        weights = [6 if cat is fi.VatCategory.GENERAL else 1 for _, cat in self.g.catalogue]
        for _ in range(rnd.choices([1, 2, 3, 4, 5, 6, 8], [20, 25, 20, 15, 10, 6, 4])[0]):
            product, cat = rnd.choices(self.g.catalogue, weights)[0]
            lo, hi = next(p[3] for p in fi.PRODUCTS if p[1] == product.code)
            unit = product.unit
            qty = (
                Decimal(rnd.randint(1, 160)) / 2
                if unit == "HOUR"
                else Decimal(rnd.randint(1, 12 if unit in ("DAY", "MONTH", "YEAR") else 40))
            )
            lines = [_fmt(t, rnd, day) for t in rnd.sample(fi.DESCRIPTION_LINES, rnd.choice([0, 0, 1, 1, 2, 3]))]
            work_type = rnd.choice(self.g.work_types) if product.code == "KONS" and rnd.random() < 0.5 else None
            rows.append(
                SalesInvoiceRow(
                    kind=RowKind.PRODUCT,
                    name=product.name,
                    description_lines=lines,
                    product_id=product.id,
                    work_type_id=work_type.id if work_type else None,
                    quantity=qty,
                    unit=unit,
                    unit_price=_money(rnd, lo, hi),
                    vat_percent=fi.rate_on(cat, day),
                    discount_percent=Decimal(rnd.choice([0, 0, 0, 0, 5, 10])),
                )
            )
            if rnd.random() < 0.1:
                rows.append(
                    SalesInvoiceRow(
                        kind=RowKind.DESCRIPTION, description_lines=[_fmt(rnd.choice(fi.DESCRIPTION_LINES), rnd, day)]
                    )
                )
        for i, row in enumerate(rows):
            row.id = f"r{i + 1}"
        return rows

    def sales_invoice(self, i: int, defect: Defect | None) -> SalesInvoice:
        rnd = _rng(self.g.seed, "si", i)
        doc_id = f"si-{i + 1:06d}"
        number = self.g.c.invoice_start_number + i
        day = self.g.doc_date(rnd, defect)
        if defect is Defect.BAD_BUSINESS_ID:
            customer = self.g.defect_customer("brn")
        elif defect is Defect.INVALID_EINVOICE_OPERATOR:
            customer = self.g.defect_customer("operator")
        else:
            customer = self.g.customers[rnd.randrange(min(len(self.g.customers), max(1, self.g.c.customers)))]
        projects = self.g.projects_by_customer.get(customer.id) or []
        project = rnd.choice(projects) if projects and rnd.random() < 0.7 else None
        if customer.einvoice_operator:
            channel = InvoiceChannel.EINVOICE
        else:
            channel = rnd.choices([InvoiceChannel.EMAIL, InvoiceChannel.MAIL, InvoiceChannel.NO_SENDING], [5, 2, 2])[0]
        rows = self.sales_rows(rnd, day, project)
        cats = [
            cat for row in rows if row.kind is RowKind.PRODUCT for p, cat in self.g.catalogue if p.id == row.product_id
        ]
        dominant = max(set(cats), key=lambda c: (cats.count(c), c.value)) if cats else fi.VatCategory.GENERAL
        account = next(a for *_, cat, a in fi.PRODUCTS if cat is dominant)
        use_rf = rnd.random() < 0.25
        reference = rf_reference_with_check(str(number)) if use_rf else fi_reference_with_check(str(number))
        inv = SalesInvoice(
            id=doc_id,
            number=number,
            invoice_date=day,
            due_date=day + timedelta(days=rnd.choice([7, 14, 14, 14, 21, 30])),
            customer_id=customer.id,
            project_id=project.id if project else None,
            language=customer.language,
            channel=channel,
            reference_number=reference,
            sales_account=account,
            cost_center=rnd.choice(self.g.cost_centers),
            bank_account_iban=self.g.invoice_ibans[0] if rnd.random() < 0.8 else self.g.invoice_ibans[-1],
            our_reference=self.g.clean_users[rnd.randrange(len(self.g.clean_users))].name,
            your_reference=f"Tilaus {rnd.randint(1000, 99999)}" if rnd.random() < 0.5 else None,
            rows=rows,
            attachments=self.g.clean_attachments(rnd, f"lasku-{number}", rnd.choice([1, 1, 2]))
            if rnd.random() < self.g.c.attachment_share
            else [],
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            self.apply_sales_defect(rnd, inv, defect)
            self.g.mark(doc_id, DocumentKind.SALES_INVOICE, defect)
        return inv

    def ensure_general_row(self, rnd: random.Random, inv: SalesInvoice) -> SalesInvoiceRow:
        for row in inv.rows:
            if row.kind is RowKind.PRODUCT and any(p.id == row.product_id for p in self.g.general_products):
                return row
        product = rnd.choice(self.g.general_products)
        row = SalesInvoiceRow(
            id=f"r{len(inv.rows) + 1}",
            name=product.name,
            product_id=product.id,
            quantity=Decimal(1),
            unit=product.unit,
            unit_price=product.unit_price,
            vat_percent=fi.rate_on(fi.VatCategory.GENERAL, inv.invoice_date),
        )
        inv.rows.append(row)
        return row

    def apply_sales_defect(self, rnd: random.Random, inv: SalesInvoice, defect: Defect) -> None:
        if defect is Defect.UNKNOWN_VAT_PERCENT:
            self.ensure_general_row(rnd, inv).vat_percent = UNKNOWN_VAT
        elif defect is Defect.VAT_NOT_VALID_ON_DATE:
            self.ensure_general_row(rnd, inv).vat_percent = wrong_general_rate(inv.invoice_date)
        elif defect is Defect.BANK_ACCOUNT_MISMATCH:
            inv.bank_account_iban = self.g.foreign_iban.compact
        elif defect is Defect.UNKNOWN_SALES_ACCOUNT:
            inv.sales_account = UNKNOWN_ACCOUNT
        elif defect is Defect.INACTIVE_SALES_ACCOUNT:
            inv.sales_account = INACTIVE_ACCOUNT
        elif defect is Defect.UNKNOWN_COST_CENTER:
            inv.cost_center = UNKNOWN_COST_CENTER
        elif defect is Defect.INACTIVE_COST_CENTER:
            inv.cost_center = INACTIVE_COST_CENTER
        elif DEFECTS[defect].attachment:
            inv.attachments.append(self.g.defect_attachment(rnd, defect, f"lasku-{inv.number}"))
        elif defect is Defect.NON_CP1252_TEXT:
            row = self.ensure_general_row(rnd, inv)
            row.description_lines = [rnd.choice(fi.NON_CP1252_SNIPPETS), *row.description_lines]
        elif defect is Defect.BAD_REFERENCE_NUMBER:
            inv.reference_number = fi.spoil_reference(inv.reference_number or fi_reference_with_check(str(inv.number)))
        elif defect is Defect.DUE_DATE_BEFORE_INVOICE_DATE:
            inv.due_date = inv.invoice_date - timedelta(days=rnd.randint(1, 20))
        elif defect is Defect.EMPTY_INVOICE:
            inv.rows = []
