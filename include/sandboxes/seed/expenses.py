"""Expense reports: owners and transferring users, rows with receipts, the report defects.

A part of the seed generator (``generator.py``). ``ExpenseReports`` holds the generator as ``self.g``
and reads and adds to its shared state (config, users, customers, projects, products, attachments, the manifest).
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from sandboxes.seed import finnish as fi
from sandboxes.seed.common import (
    UNKNOWN_VAT,
    _money,
    _rng,
    wrong_general_rate,
)
from sandboxes.seed.defects import DEFECTS, Defect
from taimer_procountor.taimer.models import (
    Attachment,
    DocumentKind,
    ExpenseReport,
    ExpenseRow,
    IntegrationStatus,
    PaymentSource,
    SyncState,
    TravelReport,
    User,
)

if TYPE_CHECKING:
    from sandboxes.seed.generator import _Generator


class ExpenseReports:
    def __init__(self, g: _Generator) -> None:
        self.g = g

    def report_people(self, rnd: random.Random, defect: Defect | None) -> tuple[User, User]:
        owner = self.g.clean_users[rnd.randrange(len(self.g.clean_users))]
        transferrer = owner if rnd.random() < 0.7 else self.g.clean_users[0]
        if defect is Defect.MISSING_PERSON_ID:
            owner = self.g.defect_user("nopid")
            transferrer = self.g.clean_users[0]
        elif defect is Defect.UNKNOWN_PERSON_ID:
            owner = self.g.defect_user("unknown")
            transferrer = self.g.clean_users[0]
        elif defect is Defect.MISSING_TRANSFERRER_PERSON_ID:
            transferrer = self.g.defect_user("nopid")
        return owner, transferrer

    def expense_rows(
        self, rnd: random.Random, report_date: date, closed: bool, n: int, stem: str, atts: list[Attachment]
    ) -> list[ExpenseRow]:
        mode = rnd.choices(["own", "company", "mixed"], [5, 2, 3])[0]
        rows = []
        for j in range(n):
            desc, cat, account, (lo, hi) = rnd.choice(fi.EXPENSES)
            receipt = self.g.receipt_date(rnd, report_date, closed)
            if mode == "mixed":
                source = PaymentSource.OWN if j % 2 == 0 else PaymentSource.COMPANY
            else:
                source = PaymentSource(mode)
            row_atts = []
            if self.g.c.attachment_share > 0 and rnd.random() < min(1.0, self.g.c.attachment_share * 2.5):
                row_atts = self.g.clean_attachments(rnd, f"{stem}-kuitti{j + 1}", 1)
                atts.extend(row_atts)
            rows.append(
                ExpenseRow(
                    id=f"r{j + 1}",
                    receipt_date=receipt,
                    description=f"{desc}, {rnd.choice(fi.CITIES)[0]}",
                    amount=_money(rnd, lo, hi),
                    vat_percent=fi.rate_on(cat, receipt),
                    payment_source=source,
                    account=account,
                    attachment_ids=[a.id for a in row_atts],
                )
            )
        return rows

    def apply_report_defect(self, rnd: random.Random, report: ExpenseReport, defect: Defect, stem: str) -> None:
        if defect is Defect.UNKNOWN_VAT_PERCENT:
            self.ensure_expense_row(rnd, report).vat_percent = UNKNOWN_VAT
        elif defect is Defect.VAT_NOT_VALID_ON_DATE:
            row = self.ensure_expense_row(rnd, report)
            row.description = "Toimistotarvikkeet"
            row.vat_percent = wrong_general_rate(report.report_date)
        elif DEFECTS[defect].attachment:
            att = self.g.defect_attachment(rnd, defect, stem)
            report.attachments.append(att)
            self.ensure_expense_row(rnd, report).attachment_ids.append(att.id)
        elif defect is Defect.NON_CP1252_TEXT:
            row = self.ensure_expense_row(rnd, report)
            row.description = f"{row.description} – {rnd.choice(fi.NON_CP1252_SNIPPETS)}"
        elif defect is Defect.EMPTY_INVOICE:
            report.rows = []
            report.attachments = []
            if isinstance(report, TravelReport):
                report.mileage_rows = []
                report.per_diem_rows = []

    def ensure_expense_row(self, rnd: random.Random, report: ExpenseReport) -> ExpenseRow:
        if not report.rows:
            receipt = self.g.receipt_date(rnd, report.report_date, report.report_date < self.g.open_from)
            report.rows.append(
                ExpenseRow(
                    id="r1",
                    receipt_date=receipt,
                    description="Pysäköinti",
                    amount=_money(rnd, 3, 30),
                    vat_percent=fi.rate_on(fi.VatCategory.GENERAL, receipt),
                    payment_source=PaymentSource.OWN,
                    account="7600",
                )
            )
        return report.rows[0]

    def expense_report(self, i: int, defect: Defect | None) -> ExpenseReport:
        rnd = _rng(self.g.seed, "exp", i)
        doc_id = f"exp-{i + 1:05d}"
        report_date = self.g.report_date(rnd, defect)
        owner, transferrer = self.report_people(rnd, defect)
        atts: list[Attachment] = []
        rows = self.expense_rows(
            rnd, report_date, defect is Defect.CLOSED_PERIOD_DATE, rnd.randint(1, 6), f"kulu-{i + 1}", atts
        )
        report = ExpenseReport(
            id=doc_id,
            number=i + 1,
            owner_user_id=owner.id,
            transferring_user_id=transferrer.id,
            report_date=report_date,
            title=f"Kulut {fi.MONTHS_FI[report_date.month - 1]} {report_date.year}",
            project_id=rnd.choice(self.g.projects).id if self.g.projects and rnd.random() < 0.4 else None,
            rows=rows,
            attachments=atts,
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            self.apply_report_defect(rnd, report, defect, f"kulu-{i + 1}")
            self.g.mark(doc_id, DocumentKind.EXPENSE_REPORT, defect)
        return report
