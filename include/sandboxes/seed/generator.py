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
together with their report date); dates fall in open fiscal periods; e-invoice operators come from the fixture's list.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sandboxes.procountor.dataset import ProcountorDataset, default_dataset
from sandboxes.procountor.dataset import person as procountor_person
from sandboxes.seed import finnish as fi
from sandboxes.seed.attachments import AttachmentKind, extension_for, mime_for
from sandboxes.seed.defects import COMPANY_DEFECTS, DEFECTS, DOCUMENT_DEFECTS, Defect
from sandboxes.taimer.datasets import TaimerDataset
from taimer_procountor.identifiers import fi_reference_with_check, rf_reference_with_check
from taimer_procountor.taimer.models import (
    Address,
    ApprovalState,
    Attachment,
    AttachmentStorage,
    BankAccount,
    Bill,
    BillDirection,
    BillRow,
    CompanySettings,
    Customer,
    DocumentKind,
    ExpenseReport,
    ExpenseRow,
    IntegrationStatus,
    InvoiceChannel,
    InvoiceLanguage,
    MileageRow,
    PaymentSource,
    PerDiemKind,
    PerDiemRow,
    Product,
    Project,
    PurchaseInvoiceViewRight,
    RoutingReason,
    RowKind,
    SalesInvoice,
    SalesInvoiceRow,
    Supplier,
    SyncState,
    SyntheticBlob,
    TravelLeg,
    TravelReport,
    User,
    WorkType,
)

CENT = Decimal("0.01")
UNKNOWN_VAT = Decimal("17")
UNKNOWN_ACCOUNT = "3333"
INACTIVE_ACCOUNT = "3990"
UNKNOWN_COST_CENTER = "999"
INACTIVE_COST_CENTER = "900"
UNKNOWN_PERSON_ID = 999_999
BAD_OPERATOR = "003799999999"
OVERSIZED_BYTES = 10_485_760
ALLOWED_KINDS = (AttachmentKind.PDF, AttachmentKind.JPEG, AttachmentKind.GIF, AttachmentKind.TXT)
_SIZE_RANGES = {
    AttachmentKind.PDF: (20_000, 400_000),
    AttachmentKind.JPEG: (30_000, 900_000),
    AttachmentKind.GIF: (5_000, 80_000),
    AttachmentKind.PNG: (20_000, 300_000),
    AttachmentKind.TXT: (1_500, 6_000),
    AttachmentKind.TXT_UTF8: (1_500, 6_000),
    AttachmentKind.EXE: (40_000, 200_000),
}
# travel products added to the Procountor fixture: (id, name, code, unit, price, account, start, end)
_TRAVEL_PRODUCTS = [
    (724, "Kotimaan kokopäiväraha", "PR-KOKO", "DAY", 51.0, "7620", "2024-01-01", "2024-12-31"),
    (725, "Kilometrikorvaus", "KM", "KILOMETER", 0.57, "7650", "2024-01-01", "2024-12-31"),
    (726, "Kilometrikorvaus", "KM", "KILOMETER", 0.59, "7650", "2025-01-01", "2025-12-31"),
]


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


class ExpectedRouting(BaseModel):
    recipient_user_id: str | None
    reason: RoutingReason
    project_number: str | None = None
    person_id: int | None = None


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


# --------------------------------------------------------------------------------------------------- helpers


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join([str(seed), *map(str, parts)]))


def _day(rnd: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rnd.randint(0, max(0, (hi - lo).days)))


def _money(rnd: random.Random, lo: float, hi: float) -> Decimal:
    return Decimal(str(round(rnd.uniform(lo, hi), 2))).quantize(CENT)


def _fmt(template: str, rnd: random.Random, day: date, project: str = "") -> str:
    first, last = fi.person_name(rnd)
    return template.format(
        month=f"{fi.MONTHS_FI[day.month - 1]} {day.year}",
        project=project or "asiakasprojekti",
        order=rnd.randint(1000, 99999),
        person=f"{first} {last}",
        city=rnd.choice(fi.CITIES)[0],
    )


def _month_periods(year: int, open_from: date) -> list[dict[str, Any]]:
    out = []
    for m in range(1, 13):
        start = date(year, m, 1)
        end = (date(year + 1, 1, 1) if m == 12 else date(year, m + 1, 1)) - timedelta(days=1)
        out.append(
            {
                "id": year * 100 + m,
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "status": "CLOSED" if end < open_from else "OPEN",
                "modified": f"{year}-01-01T08:00:00",
            }
        )
    return out


def _fiscal_years(first_open: date, end: date) -> list[dict[str, Any]]:
    years = []
    for y in range(first_open.year - 1, max(end.year + 1, 2027) + 1):
        years.append(
            {
                "id": y,
                "startDate": f"{y}-01-01",
                "endDate": f"{y}-12-31",
                "modified": f"{y}-01-01T08:00:00",
                "isOpen": date(y, 12, 31) >= first_open,
                "trackingPeriods": _month_periods(y, first_open),
            }
        )
    return sorted(years, key=lambda fy: fy["startDate"], reverse=True)


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

        sales = [self.sales_invoice(i, plan[DocumentKind.SALES_INVOICE].get(i)) for i in range(c.sales_invoices)]
        bills = [self.bill(i, plan[DocumentKind.BILL].get(i)) for i in range(c.bills)]
        expenses = [self.expense_report(i, plan[DocumentKind.EXPENSE_REPORT].get(i)) for i in range(c.expense_reports)]
        travels = [self.travel_report(i, plan[DocumentKind.TRAVEL_REPORT].get(i)) for i in range(c.travel_reports)]
        if Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR in self.company_defects:
            for inv in sales:
                if Defect.BANK_ACCOUNT_MISMATCH not in self.manifest_docs.get(inv.id, []):
                    self.mark(inv.id, DocumentKind.SALES_INVOICE, Defect.BANK_ACCOUNT_MISMATCH)
        inbound_pc, inbound_taimer, routing = self.inbound_bills()

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
        procountor = self.procountor_fixture(company_name, business_id, street, postal, city, inbound_pc)
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

    # ------------------------------------------------------------------ sales invoices

    def sales_rows(self, rnd: random.Random, day: date, project: Project | None) -> list[SalesInvoiceRow]:
        rows: list[SalesInvoiceRow] = []
        if rnd.random() < 0.35:
            rows.append(
                SalesInvoiceRow(
                    kind=RowKind.HEADER,
                    name=_fmt(rnd.choice(fi.HEADER_TEXTS), rnd, day, project.name if project else ""),
                )
            )
        weights = [6 if cat is fi.VatCategory.GENERAL else 1 for _, cat in self.catalogue]
        for _ in range(rnd.choices([1, 2, 3, 4, 5, 6, 8], [20, 25, 20, 15, 10, 6, 4])[0]):
            product, cat = rnd.choices(self.catalogue, weights)[0]
            lo, hi = next(p[3] for p in fi.PRODUCTS if p[1] == product.code)
            unit = product.unit
            qty = (
                Decimal(rnd.randint(1, 160)) / 2
                if unit == "HOUR"
                else Decimal(rnd.randint(1, 12 if unit in ("DAY", "MONTH", "YEAR") else 40))
            )
            lines = [_fmt(t, rnd, day) for t in rnd.sample(fi.DESCRIPTION_LINES, rnd.choice([0, 0, 1, 1, 2, 3]))]
            work_type = rnd.choice(self.work_types) if product.code == "KONS" and rnd.random() < 0.5 else None
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
        rnd = _rng(self.seed, "si", i)
        doc_id = f"si-{i + 1:06d}"
        number = self.c.invoice_start_number + i
        day = self.doc_date(rnd, defect)
        if defect is Defect.BAD_BUSINESS_ID:
            customer = self.defect_customer("brn")
        elif defect is Defect.INVALID_EINVOICE_OPERATOR:
            customer = self.defect_customer("operator")
        else:
            customer = self.customers[rnd.randrange(min(len(self.customers), max(1, self.c.customers)))]
        projects = self.projects_by_customer.get(customer.id) or []
        project = rnd.choice(projects) if projects and rnd.random() < 0.7 else None
        if customer.einvoice_operator:
            channel = InvoiceChannel.EINVOICE
        else:
            channel = rnd.choices([InvoiceChannel.EMAIL, InvoiceChannel.MAIL, InvoiceChannel.NO_SENDING], [5, 2, 2])[0]
        rows = self.sales_rows(rnd, day, project)
        cats = [
            cat for row in rows if row.kind is RowKind.PRODUCT for p, cat in self.catalogue if p.id == row.product_id
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
            cost_center=rnd.choice(self.cost_centers),
            bank_account_iban=self.invoice_ibans[0] if rnd.random() < 0.8 else self.invoice_ibans[-1],
            our_reference=self.clean_users[rnd.randrange(len(self.clean_users))].name,
            your_reference=f"Tilaus {rnd.randint(1000, 99999)}" if rnd.random() < 0.5 else None,
            rows=rows,
            attachments=self.clean_attachments(rnd, f"lasku-{number}", rnd.choice([1, 1, 2]))
            if rnd.random() < self.c.attachment_share
            else [],
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            self.apply_sales_defect(rnd, inv, defect)
            self.mark(doc_id, DocumentKind.SALES_INVOICE, defect)
        return inv

    def ensure_general_row(self, rnd: random.Random, inv: SalesInvoice) -> SalesInvoiceRow:
        for row in inv.rows:
            if row.kind is RowKind.PRODUCT and any(p.id == row.product_id for p in self.general_products):
                return row
        product = rnd.choice(self.general_products)
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
            inv.bank_account_iban = self.foreign_iban.compact
        elif defect is Defect.UNKNOWN_SALES_ACCOUNT:
            inv.sales_account = UNKNOWN_ACCOUNT
        elif defect is Defect.INACTIVE_SALES_ACCOUNT:
            inv.sales_account = INACTIVE_ACCOUNT
        elif defect is Defect.UNKNOWN_COST_CENTER:
            inv.cost_center = UNKNOWN_COST_CENTER
        elif defect is Defect.INACTIVE_COST_CENTER:
            inv.cost_center = INACTIVE_COST_CENTER
        elif DEFECTS[defect].attachment:
            inv.attachments.append(self.defect_attachment(rnd, defect, f"lasku-{inv.number}"))
        elif defect is Defect.NON_CP1252_TEXT:
            row = self.ensure_general_row(rnd, inv)
            row.description_lines = [rnd.choice(fi.NON_CP1252_SNIPPETS), *row.description_lines]
        elif defect is Defect.BAD_REFERENCE_NUMBER:
            inv.reference_number = fi.spoil_reference(inv.reference_number or fi_reference_with_check(str(inv.number)))
        elif defect is Defect.DUE_DATE_BEFORE_INVOICE_DATE:
            inv.due_date = inv.invoice_date - timedelta(days=rnd.randint(1, 20))
        elif defect is Defect.EMPTY_INVOICE:
            inv.rows = []
        # BAD_BUSINESS_ID, INVALID_EINVOICE_OPERATOR (customer) and CLOSED_PERIOD_DATE (date) are set while building

    # ------------------------------------------------------------------ suppliers and bills

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
        rnd = _rng(self.seed, "bill", i)
        doc_id = f"bill-{i + 1:05d}"
        day = self.doc_date(rnd, defect)
        supplier = self.supplier(rnd, bad_id=defect is Defect.BAD_BUSINESS_ID)
        rows = self.bill_rows(rnd, day)
        number = f"{rnd.randint(10000, 999999)}"
        ref = fi_reference_with_check(str(number)) if rnd.random() < 0.7 else rf_reference_with_check(str(number))
        project = rnd.choice(self.projects) if self.projects and rnd.random() < 0.5 else None
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
            attachments=self.clean_attachments(rnd, f"ostolasku-{number}", 1) if rnd.random() < 0.6 else [],
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            if defect is Defect.UNKNOWN_VAT_PERCENT:
                bill.rows[0].vat_percent = UNKNOWN_VAT
            elif defect is Defect.VAT_NOT_VALID_ON_DATE:
                bill.rows[0].name = "Toimistotarvikkeet"
                bill.rows[0].vat_percent = wrong_general_rate(day)
            elif DEFECTS[defect].attachment:
                bill.attachments.append(self.defect_attachment(rnd, defect, f"ostolasku-{number}"))
            elif defect is Defect.NON_CP1252_TEXT:
                bill.rows[0].description = rnd.choice(fi.NON_CP1252_SNIPPETS)
            elif defect is Defect.BAD_REFERENCE_NUMBER:
                bill.reference_number = fi.spoil_reference(ref)
            elif defect is Defect.DUE_DATE_BEFORE_INVOICE_DATE:
                bill.due_date = day - timedelta(days=rnd.randint(1, 20))
            elif defect is Defect.EMPTY_INVOICE:
                bill.rows = []
            self.mark(doc_id, DocumentKind.BILL, defect)
        bill.total_net, bill.total_vat, bill.total_gross = self.totals(bill.rows)
        return bill

    # ------------------------------------------------------------------ inbound purchase invoices (in Procountor)

    def inbound_bills(self) -> tuple[list[dict[str, Any]], list[Bill], dict[str, ExpectedRouting]]:
        users_by_pid = {u.procountor_person_id: u for u in self.clean_users}
        receivers = [u for u in self.clean_users if u.can_receive_purchase_invoices]
        non_receivers = [u for u in self.clean_users if not u.can_receive_purchase_invoices]
        managers = {p.number: next(u for u in self.clean_users if u.id == p.manager_user_id) for p in self.projects}
        proj_ok = [n for n, u in managers.items() if u.can_receive_purchase_invoices]
        proj_no = [n for n, u in managers.items() if not u.can_receive_purchase_invoices]
        invoices, mirrors, routing = [], [], {}
        for i in range(self.c.inbound_count):
            rnd = _rng(self.seed, "inbound", i)
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
            elif self.default_recipient:
                recipient, reason = self.default_recipient, RoutingReason.DEFAULT_RECIPIENT
            else:
                recipient, reason = None, RoutingReason.UNROUTED
            pc_id = 90001 + i
            day = _day(rnd, self.open_from, self.c.end_date)
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

    # ------------------------------------------------------------------ expense and travel reports

    def report_people(self, rnd: random.Random, defect: Defect | None) -> tuple[User, User]:
        owner = self.clean_users[rnd.randrange(len(self.clean_users))]
        transferrer = owner if rnd.random() < 0.7 else self.clean_users[0]
        if defect is Defect.MISSING_PERSON_ID:
            owner = self.defect_user("nopid")
            transferrer = self.clean_users[0]
        elif defect is Defect.UNKNOWN_PERSON_ID:
            owner = self.defect_user("unknown")
            transferrer = self.clean_users[0]
        elif defect is Defect.MISSING_TRANSFERRER_PERSON_ID:
            transferrer = self.defect_user("nopid")
        return owner, transferrer

    def expense_rows(
        self, rnd: random.Random, report_date: date, closed: bool, n: int, stem: str, atts: list[Attachment]
    ) -> list[ExpenseRow]:
        mode = rnd.choices(["own", "company", "mixed"], [5, 2, 3])[0]
        rows = []
        for j in range(n):
            desc, cat, account, (lo, hi) = rnd.choice(fi.EXPENSES)
            receipt = self.receipt_date(rnd, report_date, closed)
            if mode == "mixed":
                source = PaymentSource.OWN if j % 2 == 0 else PaymentSource.COMPANY
            else:
                source = PaymentSource(mode)
            row_atts = []
            if self.c.attachment_share > 0 and rnd.random() < min(1.0, self.c.attachment_share * 2.5):
                row_atts = self.clean_attachments(rnd, f"{stem}-kuitti{j + 1}", 1)
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
            att = self.defect_attachment(rnd, defect, stem)
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
            receipt = self.receipt_date(rnd, report.report_date, report.report_date < self.open_from)
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
        rnd = _rng(self.seed, "exp", i)
        doc_id = f"exp-{i + 1:05d}"
        report_date = self.report_date(rnd, defect)
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
            project_id=rnd.choice(self.projects).id if self.projects and rnd.random() < 0.4 else None,
            rows=rows,
            attachments=atts,
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            self.apply_report_defect(rnd, report, defect, f"kulu-{i + 1}")
            self.mark(doc_id, DocumentKind.EXPENSE_REPORT, defect)
        return report

    def travel_report(self, i: int, defect: Defect | None) -> TravelReport:
        rnd = _rng(self.seed, "trv", i)
        doc_id = f"trv-{i + 1:05d}"
        report_date = self.report_date(rnd, defect)
        closed = defect is Defect.CLOSED_PERIOD_DATE
        owner, transferrer = self.report_people(rnd, defect)
        start = self.receipt_date(rnd, report_date, closed)
        days = max(1, min(rnd.randint(1, 3), (report_date - start).days))
        home = rnd.choice(fi.CITIES)[0]
        dest = rnd.choice([c for c, _ in fi.CITIES if c != home])
        purpose = rnd.choice(["Asiakastapaaminen", "Projektipalaveri", "Koulutus", "Asennustyö", "Messut"])
        depart = datetime.combine(start, time(rnd.randint(6, 9), rnd.choice([0, 15, 30, 45])))
        arrive = datetime.combine(start + timedelta(days=days - 1), time(rnd.randint(16, 21), rnd.choice([0, 30])))
        legs = [TravelLeg(departure=depart, arrival=arrive, from_place=home, places=dest, purpose=purpose)]
        km_product = {2024: 725, 2025: 726}.get(start.year, 723)
        km_rate = {2024: Decimal("0.57"), 2025: Decimal("0.59")}.get(start.year, Decimal("0.55"))
        pd_product = {2024: 724, 2025: 721}.get(start.year, 722)
        pd_rate = {2024: Decimal("51.00")}.get(start.year, Decimal("54.00"))
        mileage = []
        if rnd.random() < 0.6:
            mileage.append(
                MileageRow(
                    id="km1",
                    date=start,
                    description=f"{home}–{dest}–{home}",
                    kilometres=Decimal(rnd.randint(20, 900)),
                    rate_per_km=km_rate,
                    procountor_product_id=km_product,
                )
            )
        per_diem = [
            PerDiemRow(
                id=f"pd{d + 1}",
                date=start + timedelta(days=d),
                kind=PerDiemKind.FULL,
                rate=pd_rate,
                procountor_product_id=pd_product,
            )
            for d in range(days)
            if arrive - depart > timedelta(hours=10)
        ]
        atts: list[Attachment] = []
        rows = self.expense_rows(rnd, report_date, closed, rnd.randint(0, 3), f"matka-{i + 1}", atts)
        if not rows and not mileage and not per_diem:
            rows = self.expense_rows(rnd, report_date, closed, 1, f"matka-{i + 1}", atts)
        report = TravelReport(
            id=doc_id,
            number=i + 1,
            owner_user_id=owner.id,
            transferring_user_id=transferrer.id,
            report_date=report_date,
            title=f"{purpose}, {dest}",
            rows=rows,
            attachments=atts,
            legs=legs,
            mileage_rows=mileage,
            per_diem_rows=per_diem,
            integration=IntegrationStatus(sync_state=SyncState.READY),
        )
        if defect is not None:
            self.apply_report_defect(rnd, report, defect, f"matka-{i + 1}")
            self.mark(doc_id, DocumentKind.TRAVEL_REPORT, defect)
        return report

    # ------------------------------------------------------------------ the Procountor company

    def procountor_fixture(
        self, name: str, business_id: str, street: str, postal: str, city: str, invoices: list[dict[str, Any]]
    ) -> ProcountorDataset:
        base = self.base
        address = {"street": street, "zip": postal, "city": city, "country": "FINLAND"}
        company = dict(base.company)
        company.update(
            {
                "name": name,
                "companyAddress": address,
                "billingAddress": address,
                "businessIdentifier": {"brnType": "FI", "code": business_id},
            }
        )
        dimensions = [dict(d) for d in base.dimensions]
        for dim in dimensions:
            if dim["name"] == "Kustannuspaikka":
                dim["items"] = [
                    *dim["items"],
                    {"id": 5015, "codeName": "400", "description": "Tuotekehitys"},
                    {"id": 5016, "codeName": "500", "description": "Huolto"},
                ]
        return ProcountorDataset(
            company=company,
            ledger_accounts=base.ledger_accounts,
            dimensions=dimensions,
            products=[*base.products, *self.pc_products],
            persons=[*base.persons, *self.persons],
            vat_rates=base.vat_rates,
            vat_statuses=base.vat_statuses,
            zero_rate_vat_statuses=base.zero_rate_vat_statuses,
            bank_accounts=self.pc_banks,
            fiscal_years=_fiscal_years(self.open_from, self.c.end_date),
            einvoice_operators=base.einvoice_operators,
            invoices=invoices,
            default_accounts=base.default_accounts,
        )


def wrong_general_rate(day: date) -> Decimal:
    """A general-rate percentage Procountor knows but that is not valid on ``day``."""
    return Decimal("24") if day >= date(2024, 9, 1) else Decimal("25.5")


def generate(config: SeedConfig | None = None, **overrides: Any) -> SeedResult:
    """Generate both companies and the manifest. ``generate(seed=1, sales_invoices=10)`` works too."""
    if config is None:
        config = SeedConfig(**overrides)
    elif overrides:
        config = config.model_copy(update=overrides)
    return _Generator(config).build()
