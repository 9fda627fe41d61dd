"""Generate a consistent Taimer company and the matching Procountor company, with named defects on chosen documents.

``generate(SeedConfig(...)) -> SeedResult``: ``result.taimer`` is a ``TaimerDataset`` (what the Taimer sandbox
loads), ``result.procountor`` a ``ProcountorDataset`` (what the Procountor sandbox loads), ``result.manifest`` says
which documents carry which defects and how inbound purchase invoices should be routed.

Determinism: every part draws from its own ``random.Random`` seeded with ``"<seed>:<part>:<index>"``, nothing reads the
clock, and the dataset is built in a fixed order, so the same config gives byte-identical JSON. Changing one count
does not reshuffle the documents of another kind (apart from where defects land: they are planned across kinds).

Consistency (on documents without defects): the Taimer company's bank accounts are Procountor bank accounts (same
IBAN); every user who owns or transfers a report has a Procountor person ID that exists in Procountor's persons;
sales accounts and cost centers are active entries of Procountor's chart of accounts and cost-center dimension; VAT
percentages are Finnish rates valid on the document date (and on receipt dates, which never straddle a rate change
together with their report date); dates fall in open fiscal periods; e-invoice operators come from the dataset's list.

Layout: this module holds the configuration, the manifest and the generator's shared state (plan, users, customers,
projects, products, attachments); each document kind is built by a part of its own that holds the generator:
``sales.py`` (sales invoices), ``bills.py`` (purchase invoices, outbound and received), ``expenses.py`` (expense
reports), ``travel.py`` (travel reports) and ``procountor_company.py`` (the matching Procountor company).
``common.py`` has the constants and helpers they share.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandboxes.procountor.dataset import ProcountorDataset, default_dataset
from sandboxes.procountor.dataset import person as procountor_person
from sandboxes.seed import finnish as fi
from sandboxes.seed.attachments import AttachmentKind, extension_for, mime_for
from sandboxes.seed.bills import Bills
from sandboxes.seed.common import (
    _SIZE_RANGES,
    _TRAVEL_PRODUCTS,
    ALLOWED_KINDS,
    BAD_OPERATOR,
    CENT,
    INACTIVE_ACCOUNT,
    INACTIVE_COST_CENTER,
    OVERSIZED_BYTES,
    UNKNOWN_ACCOUNT,
    UNKNOWN_COST_CENTER,
    UNKNOWN_PERSON_ID,
    UNKNOWN_VAT,
    ExpectedRouting,
    _day,
    _rng,
    wrong_general_rate,
)
from sandboxes.seed.defects import COMPANY_DEFECTS, DEFECTS, DOCUMENT_DEFECTS, Defect
from sandboxes.seed.expenses import ExpenseReports
from sandboxes.seed.procountor_company import ProcountorCompany
from sandboxes.seed.sales import SalesInvoices
from sandboxes.seed.travel import TravelReports
from sandboxes.taimer.datasets import TaimerDataset
from taimer_procountor.taimer.models import (
    Address,
    Attachment,
    AttachmentStorage,
    BankAccount,
    CompanySettings,
    Customer,
    DocumentKind,
    InvoiceLanguage,
    Product,
    Project,
    PurchaseInvoiceViewRight,
    SyntheticBlob,
    User,
    WorkType,
)


class SeedConfig(BaseModel):
    """What to generate. Counts may be 0. ``defects`` None means every document-level defect (when
    ``defect_share`` > 0); company-level defects apply only when listed."""

    model_config = ConfigDict(extra="forbid")

    seed: int = 42
    customers: int = Field(20, ge=0)
    projects: int = Field(15, ge=0)
    users: int = Field(8, ge=1)
    sales_invoices: int = Field(100, ge=0)
    bills: int = Field(20, ge=0)
    inbound_bills: int | None = Field(None, ge=0)  # Procountor-side received purchase invoices; None: bills // 2 + 1
    expense_reports: int = Field(10, ge=0)
    travel_reports: int = Field(5, ge=0)
    defect_share: float = Field(0.1, ge=0, le=1)
    defects: list[Defect] | None = None
    google_drive: bool = False
    start_date: date = date(2024, 6, 1)  # documents are dated from here (periods before it are closed) ...
    end_date: date = date(2026, 10, 31)  # ... to here
    attachment_share: float = Field(0.3, ge=0, le=1)
    einvoice_share: float = Field(0.25, ge=0, le=1)
    unmatched_users: int = Field(0, ge=0)  # extra Taimer users without a Procountor person ID (own no documents)
    invoice_start_number: int = Field(10001, ge=1)
    company_bank_accounts: int = Field(2, ge=1, le=5)

    @field_validator("defects", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str):
            from sandboxes.seed.defects import parse_defects

            return parse_defects(v)
        return v

    @model_validator(mode="after")
    def _dates(self) -> SeedConfig:
        if self.end_date <= self.start_date:
            raise ValueError("end_date must be after start_date")
        if self.start_date < date(2023, 6, 1):
            raise ValueError("start_date must be 2023-06-01 or later (closed periods are made before it)")
        if self.google_drive and self.defects:
            bad = [d.value for d in self.defects if DEFECTS[d].attachment]
            if bad:
                raise ValueError(f"attachments are not transferred with Google Drive, so {bad} cannot be caught")
        return self

    @property
    def inbound_count(self) -> int:
        return self.bills // 2 + 1 if self.inbound_bills is None else self.inbound_bills


class SeedManifest(BaseModel):
    """What a test needs to check the sync against the seed: defects per document and expected routings."""

    seed: int
    config: dict[str, Any]
    documents: dict[str, list[Defect]] = Field(default_factory=dict)  # document id -> defects (only defective ones)
    document_kinds: dict[str, DocumentKind] = Field(default_factory=dict)  # for every defective document
    company: list[Defect] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    defect_counts: dict[str, int] = Field(default_factory=dict)
    not_planted: list[Defect] = Field(default_factory=list)  # requested but no document of a fitting kind exists
    inbound_routing: dict[str, ExpectedRouting] = Field(default_factory=dict)  # Procountor invoice id -> routing
    attachments_in_google_drive: bool = False

    def defects_of(self, document_id: str) -> list[Defect]:
        return self.documents.get(document_id, [])

    def documents_with(self, defect: Defect) -> list[str]:
        return [doc for doc, defects in self.documents.items() if defect in defects]


@dataclass
class SeedResult:
    taimer: TaimerDataset
    procountor: ProcountorDataset
    manifest: SeedManifest

    def taimer_json(self) -> str:
        return self.taimer.model_dump_json(indent=1)

    def procountor_json(self) -> str:
        return self.procountor.model_dump_json(indent=1)

    def manifest_json(self) -> str:
        return self.manifest.model_dump_json(indent=1)

    def write(self, out_dir: str | Path) -> dict[str, Path]:
        """Write taimer.json, procountor.json and manifest.json into ``out_dir`` (created if missing)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, text in (
            ("taimer", self.taimer_json()),
            ("procountor", self.procountor_json()),
            ("manifest", self.manifest_json()),
        ):
            path = out / f"{name}.json"
            path.write_text(text + "\n", encoding="utf-8")
            paths[name] = path
        return paths


# --------------------------------------------------------------------------------------------------- the generator


class _Generator:
    def __init__(self, config: SeedConfig) -> None:
        self.c = config
        self.seed = config.seed
        self.base = default_dataset(today=config.end_date)
        self.open_from = max(config.start_date, self._first_month_start(config.start_date))
        self.closed_lo = self.open_from - timedelta(days=120)
        self.closed_hi = self.open_from - timedelta(days=1)
        self.blobs: dict[str, SyntheticBlob] = {}
        self.att_counter = 0
        self.manifest_docs: dict[str, list[Defect]] = {}
        self.manifest_kinds: dict[str, DocumentKind] = {}
        self.storage = AttachmentStorage.GOOGLE_DRIVE if config.google_drive else AttachmentStorage.TAIMER
        requested = config.defects if config.defects is not None else list(DOCUMENT_DEFECTS)
        self.company_defects = [d for d in COMPANY_DEFECTS if d in requested]
        self.doc_defects = [d for d in DOCUMENT_DEFECTS if d in requested]
        if config.google_drive:
            self.doc_defects = [d for d in self.doc_defects if not DEFECTS[d].attachment]
        self.operators = list(self.base.einvoice_operators) or fi.EINVOICE_OPERATORS_FALLBACK
        self.sales = SalesInvoices(self)
        self.bills = Bills(self)
        self.expenses = ExpenseReports(self)
        self.travel = TravelReports(self)
        self.procountor_company = ProcountorCompany(self)

    @staticmethod
    def _first_month_start(day: date) -> date:
        # periods are months: documents start on the first open period's first day
        return day if day.day == 1 else (date(day.year + (day.month == 12), day.month % 12 + 1, 1))

    # ------------------------------------------------------------------ plan which documents get which defect

    def plan(self, counts: dict[DocumentKind, int]) -> tuple[dict[DocumentKind, dict[int, Defect]], list[Defect]]:
        rnd = _rng(self.seed, "plan")
        plan: dict[DocumentKind, dict[int, Defect | None]] = {}
        if self.c.defect_share <= 0 or not self.doc_defects:
            return {k: {} for k in counts}, []
        for kind, n in counts.items():
            k = round(self.c.defect_share * n)
            plan[kind] = dict.fromkeys(sorted(rnd.sample(range(n), min(k, n))))
        not_planted = []
        for defect in self.doc_defects:
            kinds = [k for k in counts if k in DEFECTS[defect].kinds and counts[k] > 0]
            if not kinds:
                not_planted.append(defect)
                continue
            free = {k: [i for i, d in plan[k].items() if d is None] for k in kinds}
            best = max(kinds, key=lambda k: (len(free[k]), counts[k]))
            if free[best]:
                plan[best][free[best][0]] = defect
                continue
            spare = [k for k in kinds if len(plan[k]) < counts[k]]
            if not spare:
                not_planted.append(defect)
                continue
            kind = max(spare, key=lambda k: counts[k] - len(plan[k]))
            unused = [i for i in range(counts[kind]) if i not in plan[kind]]
            plan[kind][rnd.choice(unused)] = defect
        for kind, slots in plan.items():
            fitting = [d for d in self.doc_defects if kind in DEFECTS[d].kinds]
            offset = rnd.randrange(len(fitting)) if fitting else 0
            j = 0
            for i in sorted(slots):
                if slots[i] is None and fitting:
                    slots[i] = fitting[(offset + j) % len(fitting)]
                    j += 1
            plan[kind] = {i: d for i, d in slots.items() if d is not None}
        return plan, not_planted  # type: ignore[return-value]

    def mark(self, doc_id: str, kind: DocumentKind, defect: Defect) -> None:
        self.manifest_docs.setdefault(doc_id, []).append(defect)
        self.manifest_kinds[doc_id] = kind

    # ------------------------------------------------------------------ attachments

    def attachment(self, rnd: random.Random, kind: AttachmentKind, stem: str) -> Attachment:
        self.att_counter += 1
        att_id = f"att-{self.att_counter:06d}"
        if kind is AttachmentKind.OVERSIZED:
            size = OVERSIZED_BYTES
        else:
            lo, hi = _SIZE_RANGES[kind]
            size = rnd.randint(lo, hi)
        blob_seed = rnd.randrange(1 << 31)
        self.blobs[att_id] = SyntheticBlob(kind=kind.value, size=size, seed=blob_seed)
        claimed = "application/pdf" if kind in (AttachmentKind.EXE, AttachmentKind.OVERSIZED) else mime_for(kind)
        return Attachment(
            id=att_id,
            name=f"{stem}.{extension_for(kind)}",
            size=size,
            storage=self.storage,
            mime_type=claimed,
        )

    def clean_attachments(self, rnd: random.Random, stem: str, count: int) -> list[Attachment]:
        kinds = [AttachmentKind.PDF] * 5 + [AttachmentKind.JPEG] * 3 + [AttachmentKind.GIF, AttachmentKind.TXT]
        out = []
        for i in range(count):
            kind = rnd.choice(kinds)
            if kind is AttachmentKind.TXT and rnd.random() < 0.3:
                kind = AttachmentKind.TXT_UTF8  # UTF-8 text is still a txt file
            out.append(self.attachment(rnd, kind, f"{stem}-{i + 1}"))
        return out

    def defect_attachment(self, rnd: random.Random, defect: Defect, stem: str) -> Attachment:
        kind = {
            Defect.FORBIDDEN_ATTACHMENT_TYPE: AttachmentKind.PNG,
            Defect.DISGUISED_ATTACHMENT_TYPE: AttachmentKind.EXE,
            Defect.ATTACHMENT_TOO_LARGE: AttachmentKind.OVERSIZED,
        }[defect]
        return self.attachment(rnd, kind, f"{stem}-liite")

    # ------------------------------------------------------------------ the two companies

    def build(self) -> SeedResult:
        c = self.c
        counts = {
            DocumentKind.SALES_INVOICE: c.sales_invoices,
            DocumentKind.BILL: c.bills,
            DocumentKind.EXPENSE_REPORT: c.expense_reports,
            DocumentKind.TRAVEL_REPORT: c.travel_reports,
        }
        plan, not_planted = self.plan(counts)
        rnd = _rng(self.seed, "company")

        # company, bank accounts
        company_name = fi.company_name(rnd)
        business_id = fi.business_id(rnd)
        street, postal, city = fi.street_address(rnd)
        banks = []
        used_codes: set[str] = set()
        for _i in range(c.company_bank_accounts):
            code = rnd.choice([b for b in fi.BANK_CODES if b not in used_codes] or fi.BANK_CODES)
            used_codes.add(code)
            iban = fi.iban(rnd, code)
            banks.append(iban)
        self.pc_banks = [
            {
                "id": 901 + i,
                "accountNumber": iban.bban,
                "iban": iban.compact,
                "bic": str(iban.bic) if iban.bic else "NDEAFIHH",
                "bankName": (iban.bank_name or "Pankki").title()[:60],
                "currency": "EUR",
                "defaultForInvoice": i == 0,
                "defaultForPayment": i == 0,
                "status": "ACTIVE",
                "orderNo": i + 1,
                "associatedAccounts": [],
                "version": "2025-01-02T09:00:00",
            }
            for i, iban in enumerate(banks)
        ]
        # the Taimer company has the first one or two of them (same IBAN), unless a company defect says otherwise
        taimer_banks = banks[: max(1, min(2, len(banks)))]
        self.foreign_iban = fi.iban(_rng(self.seed, "foreign-iban"))
        if Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR in self.company_defects:
            taimer_banks = [self.foreign_iban]
        self.invoice_ibans = [b.compact for b in taimer_banks]

        self.make_users()
        self.make_customers()
        self.make_projects()
        self.make_products()

        default_recipient = None if Defect.NO_DEFAULT_RECIPIENT in self.company_defects else self.users[0].id
        company = CompanySettings(
            name=company_name,
            business_id=business_id,
            address=Address(street=street, postal_code=postal, city=city),
            bank_accounts=[
                BankAccount(iban=b.compact, bic=str(b.bic) if b.bic else None, name=b.bank_name) for b in taimer_banks
            ],
            sales_invoice_start_number=c.invoice_start_number,
            attachments_in_google_drive=c.google_drive,
            default_purchase_invoice_recipient_user_id=default_recipient,
        )
        self.default_recipient = default_recipient

        sales = [self.sales.sales_invoice(i, plan[DocumentKind.SALES_INVOICE].get(i)) for i in range(c.sales_invoices)]
        bills = [self.bills.bill(i, plan[DocumentKind.BILL].get(i)) for i in range(c.bills)]
        expenses = [
            self.expenses.expense_report(i, plan[DocumentKind.EXPENSE_REPORT].get(i)) for i in range(c.expense_reports)
        ]
        travels = [
            self.travel.travel_report(i, plan[DocumentKind.TRAVEL_REPORT].get(i)) for i in range(c.travel_reports)
        ]
        if Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR in self.company_defects:
            for inv in sales:
                if Defect.BANK_ACCOUNT_MISMATCH not in self.manifest_docs.get(inv.id, []):
                    self.mark(inv.id, DocumentKind.SALES_INVOICE, Defect.BANK_ACCOUNT_MISMATCH)
        inbound_pc, inbound_taimer, routing = self.bills.inbound_bills()

        taimer = TaimerDataset(
            company=company,
            users=self.users,
            customers=self.customers,
            projects=self.projects,
            products=self.products,
            work_types=self.work_types,
            sales_invoices=sales,
            bills=bills + inbound_taimer,
            expense_reports=expenses,
            travel_reports=travels,
            attachment_blobs=dict(self.blobs),
        )
        procountor = self.procountor_company.procountor_dataset(
            company_name, business_id, street, postal, city, inbound_pc
        )
        defect_counts: dict[str, int] = {}
        for defects in self.manifest_docs.values():
            for d in defects:
                defect_counts[d.value] = defect_counts.get(d.value, 0) + 1
        manifest = SeedManifest(
            seed=c.seed,
            config=json.loads(c.model_dump_json()),
            documents=dict(sorted(self.manifest_docs.items())),
            document_kinds=dict(sorted(self.manifest_kinds.items())),
            company=self.company_defects,
            counts={
                "customers": len(self.customers),
                "projects": len(self.projects),
                "users": len(self.users),
                "sales_invoices": len(sales),
                "bills_outbound": len(bills),
                "bills_inbound_in_taimer": len(inbound_taimer),
                "procountor_purchase_invoices": len(inbound_pc),
                "expense_reports": len(expenses),
                "travel_reports": len(travels),
                "attachments": len(self.blobs),
                "defective_documents": len(self.manifest_docs),
            },
            defect_counts=dict(sorted(defect_counts.items())),
            not_planted=not_planted,
            inbound_routing=routing,
            attachments_in_google_drive=c.google_drive,
        )
        return SeedResult(taimer=taimer, procountor=procountor, manifest=manifest)

    # ------------------------------------------------------------------ people, customers, projects, products

    def make_users(self) -> None:
        rnd = _rng(self.seed, "users")
        self.users: list[User] = []
        self.persons: list[dict[str, Any]] = []
        seen: set[str] = set()
        for i in range(self.c.users):
            first, last = fi.person_name(rnd)
            while f"{first} {last}" in seen:
                first, last = fi.person_name(rnd)
            seen.add(f"{first} {last}")
            pid = 8001 + i
            email = f"{fi.ascii_slug(first)}.{fi.ascii_slug(last)}@example.fi"
            # user 0 is the admin and default recipient; user 1 (if any) may not receive purchase invoices
            can_receive = i == 0 or (i != 1 and rnd.random() < 0.7)
            self.users.append(
                User(
                    id=f"u-{i + 1:03d}",
                    name=f"{first} {last}",
                    email=email,
                    procountor_person_id=pid,
                    can_receive_purchase_invoices=can_receive,
                    purchase_invoice_view_right=(
                        PurchaseInvoiceViewRight.ALL if i == 0 else rnd.choice(list(PurchaseInvoiceViewRight))
                    ),
                )
            )
            self.persons.append(procountor_person(pid, first, last, str(1001 + i), fi.iban(rnd).compact, email=email))
        self.clean_users = list(self.users)
        for j in range(self.c.unmatched_users):
            first, last = fi.person_name(rnd)
            self.users.append(User(id=f"u-x{j + 1:02d}", name=f"{first} {last}", procountor_person_id=None))
        self._defect_users: dict[str, User] = {}

    def defect_user(self, key: str) -> User:
        """A user made only for defective reports: without a person ID, or with one Procountor lacks."""
        if key not in self._defect_users:
            rnd = _rng(self.seed, "defect-user", key)
            first, last = fi.person_name(rnd)
            pid = UNKNOWN_PERSON_ID if key == "unknown" else None
            user = User(id=f"u-d{key}", name=f"{first} {last}", procountor_person_id=pid)
            self._defect_users[key] = user
            self.users.append(user)
        return self._defect_users[key]

    def make_customers(self) -> None:
        rnd = _rng(self.seed, "customers")
        self.customers: list[Customer] = []
        for i in range(max(1, self.c.customers)):
            self.customers.append(self.customer(rnd, f"c-{i + 1:04d}"))
        self._defect_customers: dict[str, Customer] = {}

    def customer(self, rnd: random.Random, cid: str, bad_id: bool = False, bad_operator: bool = False) -> Customer:
        name = fi.company_name(rnd)
        bid = fi.bad_business_id(rnd) if bad_id else fi.business_id(rnd)
        street, postal, city = fi.street_address(rnd)
        einvoice = bad_operator or rnd.random() < self.c.einvoice_share
        lang = rnd.choices([InvoiceLanguage.FI, InvoiceLanguage.SV, InvoiceLanguage.EN], [8, 1, 1])[0]
        return Customer(
            id=cid,
            name=name,
            business_id=bid,
            address=Address(street=street, postal_code=postal, city=city),
            email=f"laskut@{fi.ascii_slug(name.split()[0])}.fi",
            einvoice_address=("0037" + bid.replace("-", "")) if einvoice else None,
            einvoice_operator=(BAD_OPERATOR if bad_operator else rnd.choice(self.operators)) if einvoice else None,
            language=lang,
        )

    def defect_customer(self, key: str) -> Customer:
        if key not in self._defect_customers:
            rnd = _rng(self.seed, "defect-customer", key)
            cust = self.customer(rnd, f"c-d{key}", bad_id=key == "brn", bad_operator=key == "operator")
            self._defect_customers[key] = cust
            self.customers.append(cust)
        return self._defect_customers[key]

    def make_projects(self) -> None:
        rnd = _rng(self.seed, "projects")
        self.projects: list[Project] = []
        for i in range(self.c.projects):
            manager = self.clean_users[i % len(self.clean_users)]
            customer = self.customers[rnd.randrange(len(self.customers))] if self.customers else None
            self.projects.append(
                Project(
                    id=f"p-{i + 1:04d}",
                    number=str(1001 + i),
                    name=rnd.choice(fi.PROJECT_NAMES),
                    manager_user_id=manager.id,
                    customer_id=customer.id if customer else None,
                )
            )
        self.projects_by_customer: dict[str, list[Project]] = {}
        for p in self.projects:
            self.projects_by_customer.setdefault(p.customer_id or "", []).append(p)

    def make_products(self) -> None:
        self.products: list[Product] = []
        self.pc_products: list[dict[str, Any]] = []
        self.catalogue: list[tuple[Product, fi.VatCategory]] = []
        for i, (name, code, unit, (lo, hi), cat, account) in enumerate(fi.PRODUCTS):
            pid = 7001 + i
            price = Decimal((lo + hi) // 2).quantize(CENT)
            vat = fi.rate_on(cat, self.c.end_date)
            prod = Product(
                id=f"tp-{i + 1:03d}",
                name=name,
                code=code,
                unit=unit,
                unit_price=price,
                vat_percent=vat,
                procountor_product_id=pid,
                account=account,
            )
            self.products.append(prod)
            self.catalogue.append((prod, cat))
            self.pc_products.append(
                {
                    "id": pid,
                    "type": "SALES",
                    "name": name,
                    "code": code,
                    "unit": unit,
                    "price": float(price),
                    "vat": float(vat),
                    "vatStatus": 1,
                    "active": True,
                    "defaultAccount": account,
                    "currency": "EUR",
                    "version": "2025-01-02T09:00:00",
                }
            )
        for tid, name, code, unit, price, account, start, end in _TRAVEL_PRODUCTS:
            self.pc_products.append(
                {
                    "id": tid,
                    "type": "TRAVEL",
                    "name": name,
                    "code": code,
                    "unit": unit,
                    "price": price,
                    "vat": 0,
                    "active": True,
                    "bookkeepingAccount": account,
                    "currency": "EUR",
                    "startDate": start,
                    "endDate": end,
                    "version": f"{start}T09:00:00",
                }
            )
        self.work_types = [
            WorkType(id=f"wt-{i + 1:02d}", name=name, procountor_product_id=7001, account="3000")
            for i, name in enumerate(fi.WORK_TYPES)
        ]
        self.general_products = [p for p, cat in self.catalogue if cat is fi.VatCategory.GENERAL]
        cost_centers = next(i for i in self.base.dimensions if i["name"] == "Kustannuspaikka")["items"]
        self.cost_centers = [i["codeName"] for i in cost_centers if i.get("status") != "P"] + ["400", "500"]
        self.active_accounts = {a["ledgerAccountCode"] for a in self.base.ledger_accounts if a.get("active", True)}

    # ------------------------------------------------------------------ dates

    def doc_date(self, rnd: random.Random, defect: Defect | None) -> date:
        if defect is Defect.CLOSED_PERIOD_DATE:
            return _day(rnd, self.closed_lo, self.closed_hi - timedelta(days=10))
        return _day(rnd, self.open_from, self.c.end_date)

    def receipt_date(self, rnd: random.Random, report_date: date, closed: bool) -> date:
        """A receipt (payment) date 1–40 days before the report date, in the same VAT regime and period state."""
        lo = report_date - timedelta(days=40)
        regime = fi.regime_start(report_date)
        if regime and regime > lo:
            lo = regime
        lo = max(lo, self.closed_lo) if closed else max(lo, self.open_from)
        hi = report_date - timedelta(days=1)
        return _day(rnd, lo, hi) if hi >= lo else report_date - timedelta(days=1)

    def report_date(self, rnd: random.Random, defect: Defect | None) -> date:
        closed = defect is Defect.CLOSED_PERIOD_DATE
        day = self.doc_date(rnd, defect)
        # leave room before it for receipts in the same VAT regime and period state
        floor = self.closed_lo if closed else self.open_from
        regime = fi.regime_start(day)
        if regime and regime > floor:
            floor = regime
        if (day - floor).days < 3:
            day = floor + timedelta(days=3 + rnd.randint(0, 10))
        return day


def generate(config: SeedConfig | None = None, **overrides: Any) -> SeedResult:
    """Generate both companies and the manifest. ``generate(seed=1, sales_invoices=10)`` works too."""
    if config is None:
        config = SeedConfig(**overrides)
    elif overrides:
        config = config.model_copy(update=overrides)
    return _Generator(config).build()


__all__ = [
    "ALLOWED_KINDS",
    "BAD_OPERATOR",
    "CENT",
    "INACTIVE_ACCOUNT",
    "INACTIVE_COST_CENTER",
    "OVERSIZED_BYTES",
    "UNKNOWN_ACCOUNT",
    "UNKNOWN_COST_CENTER",
    "UNKNOWN_PERSON_ID",
    "UNKNOWN_VAT",
    "ExpectedRouting",
    "SeedConfig",
    "SeedManifest",
    "SeedResult",
    "generate",
    "wrong_general_rate",
]
