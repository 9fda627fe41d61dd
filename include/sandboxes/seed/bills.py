"""Purchase invoices: outbound bills in Taimer and the received ones in Procountor with their expected routing.

A part of the seed generator (``generator.py``). ``Bills`` holds the generator as ``self.g``
and reads and adds to its shared state (config, users, customers, projects, products, attachments, the manifest).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandboxes.seed import finnish as fi
from sandboxes.seed.common import (
    CENT,
    UNKNOWN_VAT,
    ExpectedRouting,
    _day,
    _fmt,
    _money,
    _rng,
    wrong_general_rate,
)
from sandboxes.seed.defects import DEFECTS, Defect
from taimer_procountor.identifiers import fi_reference_with_check, rf_reference_with_check
from taimer_procountor.taimer.models import (
    Address,
    ApprovalState,
    Bill,
    BillDirection,
    BillRow,
    DocumentKind,
    IntegrationStatus,
    RoutingReason,
    Supplier,
    SyncState,
)

if TYPE_CHECKING:
    from sandboxes.seed.generator import _Generator


class Bills:
    def __init__(self, g: _Generator) -> None:
        self.g = g

        # BAD_BUSINESS_ID, INVALID_EINVOICE_OPERATOR (customer) and CLOSED_PERIOD_DATE (date) are set while building

    def supplier(self, rnd: random.Random, bad_id: bool = False) -> Supplier:
        street, postal, city = fi.street_address(rnd)
        iban = fi.iban(rnd)
        return Supplier(
            name=fi.company_name(rnd),
            business_id=fi.bad_business_id(rnd) if bad_id else fi.business_id(rnd),
            address=Address(street=street, postal_code=postal, city=city),
            iban=iban.compact,
            bic=str(iban.bic) if iban.bic else None,
        )

    def bill_rows(self, rnd: random.Random, day: date) -> list[BillRow]:
        rows = []
        for j in range(rnd.randint(1, 4)):
            name, cat, _account, (lo, hi) = rnd.choice(fi.EXPENSES)
            rows.append(
                BillRow(
                    id=f"r{j + 1}",
                    name=name,
                    description=_fmt(rnd.choice(fi.DESCRIPTION_LINES), rnd, day) if rnd.random() < 0.4 else None,
                    quantity=Decimal(rnd.randint(1, 5)),
                    unit_price=_money(rnd, lo, hi),
                    vat_percent=fi.rate_on(cat, day),
                )
            )
        return rows

    @staticmethod
    def totals(rows: list[BillRow]) -> tuple[Decimal, Decimal, Decimal]:
        net = sum((r.quantity * r.unit_price for r in rows), Decimal(0)).quantize(CENT)
        vat = sum((r.quantity * r.unit_price * r.vat_percent / 100 for r in rows), Decimal(0)).quantize(CENT)
        return net, vat, net + vat

    def bill(self, i: int, defect: Defect | None) -> Bill:
        rnd = _rng(self.g.seed, "bill", i)
        doc_id = f"bill-{i + 1:05d}"
        day = self.g.doc_date(rnd, defect)
        supplier = self.supplier(rnd, bad_id=defect is Defect.BAD_BUSINESS_ID)
        rows = self.bill_rows(rnd, day)
        number = f"{rnd.randint(10000, 999999)}"
        ref = fi_reference_with_check(str(number)) if rnd.random() < 0.7 else rf_reference_with_check(str(number))
        project = rnd.choice(self.g.projects) if self.g.projects and rnd.random() < 0.5 else None
        bill = Bill(
            id=doc_id,
            direction=BillDirection.OUTBOUND,
            number=f"O-{i + 1}",
            supplier_invoice_number=number,
            supplier=supplier,
            invoice_date=day,
            due_date=day + timedelta(days=rnd.choice([14, 14, 21, 30])),
            reference_number=ref,
            rows=rows,
            project_number=project.number if project else None,
            attachments=self.g.clean_attachments(rnd, f"ostolasku-{number}", 1) if rnd.random() < 0.6 else [],
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            if defect is Defect.UNKNOWN_VAT_PERCENT:
                bill.rows[0].vat_percent = UNKNOWN_VAT
            elif defect is Defect.VAT_NOT_VALID_ON_DATE:
                bill.rows[0].name = "Toimistotarvikkeet"
                bill.rows[0].vat_percent = wrong_general_rate(day)
            elif DEFECTS[defect].attachment:
                bill.attachments.append(self.g.defect_attachment(rnd, defect, f"ostolasku-{number}"))
            elif defect is Defect.NON_CP1252_TEXT:
                bill.rows[0].description = rnd.choice(fi.NON_CP1252_SNIPPETS)
            elif defect is Defect.BAD_REFERENCE_NUMBER:
                bill.reference_number = fi.spoil_reference(ref)
            elif defect is Defect.DUE_DATE_BEFORE_INVOICE_DATE:
                bill.due_date = day - timedelta(days=rnd.randint(1, 20))
            elif defect is Defect.EMPTY_INVOICE:
                bill.rows = []
            self.g.mark(doc_id, DocumentKind.BILL, defect)
        bill.total_net, bill.total_vat, bill.total_gross = self.totals(bill.rows)
        return bill

    def inbound_bills(self) -> tuple[list[dict[str, Any]], list[Bill], dict[str, ExpectedRouting]]:
        users_by_pid = {u.procountor_person_id: u for u in self.g.clean_users}
        receivers = [u for u in self.g.clean_users if u.can_receive_purchase_invoices]
        non_receivers = [u for u in self.g.clean_users if not u.can_receive_purchase_invoices]
        managers = {p.number: next(u for u in self.g.clean_users if u.id == p.manager_user_id) for p in self.g.projects}
        proj_ok = [n for n, u in managers.items() if u.can_receive_purchase_invoices]
        proj_no = [n for n, u in managers.items() if not u.can_receive_purchase_invoices]
        invoices, mirrors, routing = [], [], {}
        for i in range(self.g.c.inbound_count):
            rnd = _rng(self.g.seed, "inbound", i)
            scenario = i % 7
            project_number: str | None = None
            person_id: int | None = None
            if scenario in (0, 6) and proj_ok:
                project_number = rnd.choice(proj_ok)
                if scenario == 6 and receivers:
                    person_id = rnd.choice(receivers).procountor_person_id
            elif scenario == 1 and receivers:
                person_id = rnd.choice(receivers).procountor_person_id
            elif scenario == 3 and proj_no:
                project_number = rnd.choice(proj_no)
                if receivers:
                    person_id = rnd.choice(receivers).procountor_person_id
            elif scenario == 4:
                project_number = str(9000 + i)  # no such project
            elif scenario == 5 and non_receivers:
                person_id = non_receivers[0].procountor_person_id
            # expected routing (docs/seed.md, inbound_routing): project manager if allowed, else person if allowed,
            # else default
            if project_number in proj_ok:
                recipient, reason = managers[project_number].id, RoutingReason.PROJECT_MANAGER
            elif person_id is not None and users_by_pid[person_id].can_receive_purchase_invoices:
                recipient, reason = users_by_pid[person_id].id, RoutingReason.PERSON_ID
            elif self.g.default_recipient:
                recipient, reason = self.g.default_recipient, RoutingReason.DEFAULT_RECIPIENT
            else:
                recipient, reason = None, RoutingReason.UNROUTED
            pc_id = 90001 + i
            day = _day(rnd, self.g.open_from, self.g.c.end_date)
            due = day + timedelta(days=rnd.choice([14, 21, 30]))
            supplier = self.supplier(rnd)
            rows = self.bill_rows(rnd, day)
            number = f"{rnd.randint(10000, 999999)}"
            ref = fi_reference_with_check(str(number))
            net, vat, gross = self.totals(rows)
            invoice: dict[str, Any] = {
                "id": pc_id,
                "type": "PURCHASE_INVOICE",
                "status": "RECEIVED",
                "date": day.isoformat(),
                "invoiceNumber": 5001 + i,
                "originalInvoiceNumber": number,
                "counterParty": {
                    "identifier": supplier.business_id,
                    "counterPartyAddress": {
                        "name": supplier.name,
                        "street": supplier.address.street,
                        "zip": supplier.address.postal_code,
                        "city": supplier.address.city,
                        "country": "FINLAND",
                    },
                },
                "paymentInfo": {
                    "paymentMethod": "BANK_TRANSFER",
                    "currency": "EUR",
                    "bankAccount": {"accountNumber": supplier.iban, "bic": supplier.bic or "NDEAFIHH"},
                    "dueDate": due.isoformat(),
                    "currencyRate": 1,
                    "bankReferenceCode": ref,
                    "bankReferenceCodeType": "FI",
                },
                "extraInfo": {"accountingByRow": False, "unitPricesIncludeVat": False},
                "discountPercent": 0,
                "invoiceRows": [
                    {
                        "product": r.name,
                        "quantity": float(r.quantity),
                        "unit": "PIECE",
                        "unitPrice": float(r.unit_price),
                        "discountPercent": 0,
                        "vatPercent": float(r.vat_percent),
                    }
                    for r in rows
                ],
                "vatStatus": 1,
                "invoiceChannel": "NO_SENDING",
                "version": f"{day.isoformat()}T10:00:00",
            }
            notes = []
            if project_number:
                invoice["orderReference"] = project_number
                notes.append(f"Projektinumero: {project_number}")
            if person_id is not None:
                invoice["buyerReferenceIdentifier"] = str(person_id)
                notes.append(f"Henkilö-ID: {person_id}")
            if notes:
                invoice["additionalInformation"] = "; ".join(notes)
            invoices.append(invoice)
            routing[str(pc_id)] = ExpectedRouting(
                recipient_user_id=recipient, reason=reason, project_number=project_number, person_id=person_id
            )
            # every third one has already come over and was approved in Taimer for "Hyväksy Procountorissa"
            if i % 3 == 2 and recipient:
                mirrors.append(
                    Bill(
                        id=f"bill-in-{pc_id}",
                        direction=BillDirection.INBOUND,
                        supplier_invoice_number=number,
                        supplier=supplier,
                        invoice_date=day,
                        due_date=due,
                        reference_number=ref,
                        total_net=net,
                        total_vat=vat,
                        total_gross=gross,
                        rows=rows,
                        project_number=project_number,
                        person_id=person_id,
                        approval_state=ApprovalState.APPROVE_IN_PROCOUNTOR,
                        approved_by_user_id=recipient,
                        approved_at=datetime.combine(day + timedelta(days=2), time(9, 30)),
                        recipient_user_id=recipient,
                        routing_reason=reason,
                        procountor_id=pc_id,
                        procountor_status="RECEIVED",
                        integration=IntegrationStatus(sync_state=SyncState.RECEIVED, procountor_id=pc_id),
                    )
                )
        return invoices, mirrors, routing
