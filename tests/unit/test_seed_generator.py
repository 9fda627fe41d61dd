"""Seed generator: determinism, validity of identifiers, every defect exactly where the manifest says (checked by an
independent detector written here), VAT by date on clean documents, the reference round trip between the two
companies, expected inbound routing, the CLI (files and loading into the real sandboxes), and a timing print."""

from __future__ import annotations

import json
import time
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
import requests
from schwifty import IBAN
from stdnum import iso11649
from stdnum.fi import ytunnus

from sandboxes.procountor.dataset import ProcountorDataset
from sandboxes.seed.__main__ import main as seed_main
from sandboxes.seed.attachments import blob_size, render_blob, sniff_kind
from sandboxes.seed.defects import (
    COMPANY_DEFECTS,
    DEFECTS,
    DOCUMENT_DEFECTS,
    Defect,
    defect_table_markdown,
    parse_defects,
)
from sandboxes.seed.generator import SeedConfig, SeedResult, generate
from sandboxes.taimer.datasets import TaimerDataset
from taimer_procountor.identifiers import is_valid_fi_reference
from taimer_procountor.taimer.models import (
    Bill,
    BillDirection,
    ExpenseReport,
    InvoiceChannel,
    RoutingReason,
    RowKind,
    SalesInvoice,
    TravelReport,
)

SMALL = {"sales_invoices": 40, "bills": 12, "expense_reports": 8, "travel_reports": 6, "customers": 8, "projects": 6}


@cache
def rich(seed: int = 5) -> SeedResult:
    """Enough documents with a high defect share so every document defect lands somewhere."""
    return generate(
        SeedConfig(
            seed=seed,
            sales_invoices=150,
            bills=50,
            expense_reports=40,
            travel_reports=30,
            defect_share=0.3,
            attachment_share=0.4,
            unmatched_users=2,
        )
    )


# --------------------------------------------------------------------------------------------------- the detector


def reference_is_valid(ref: str) -> bool:
    return iso11649.is_valid(ref) if ref.upper().startswith("RF") else is_valid_fi_reference(ref)


class Detector:
    """Finds defects on a Taimer document using only the two datasets: what a correct sync must catch."""

    def __init__(self, taimer: TaimerDataset, fixture: ProcountorDataset) -> None:
        self.t, self.f = taimer, fixture
        self.ibans = {b["iban"] for b in fixture.bank_accounts}
        self.accounts = {a["ledgerAccountCode"]: a.get("active", True) for a in fixture.ledger_accounts}
        dim = next(d for d in fixture.dimensions if d["name"] == "Kustannuspaikka")
        self.cost_centers = {i["codeName"]: i.get("status") != "P" for i in dim["items"]}
        self.persons = {p["id"] for p in fixture.persons}
        self.users = {u.id: u for u in taimer.users}
        self.customers = {c.id: c for c in taimer.customers}
        self.closed = [
            (date.fromisoformat(p["startDate"]), date.fromisoformat(p["endDate"]))
            for fy in fixture.fiscal_years
            for p in fy["trackingPeriods"]
            if p["status"] == "CLOSED"
        ]

    def vat_known(self, pct: Decimal) -> bool:
        return any(r.percent == pct for r in self.f.vat_rates)

    def vat_valid(self, pct: Decimal, day: date) -> bool:
        return any(r.percent == pct and r.valid_on(day) for r in self.f.vat_rates)

    def is_closed(self, day: date) -> bool:
        return any(lo <= day <= hi for lo, hi in self.closed)

    def attachments(self, atts: list[Any], found: set[Defect]) -> None:
        if self.t.company.attachments_in_google_drive:
            return
        for att in atts:
            blob = self.t.attachment_blobs[att.id]
            if blob_size(blob) > 10_000_000:
                found.add(Defect.ATTACHMENT_TOO_LARGE)
                continue
            kind = sniff_kind(render_blob(blob))
            if kind == "png":
                found.add(Defect.FORBIDDEN_ATTACHMENT_TYPE)
            elif kind == "exe" and att.name.endswith(".pdf"):
                found.add(Defect.DISGUISED_ATTACHMENT_TYPE)
            else:
                assert kind in ("pdf", "jpeg", "gif", "txt"), (att, kind)

    @staticmethod
    def not_cp1252(*texts: str | None) -> bool:
        for text in texts:
            try:
                (text or "").encode("cp1252")
            except UnicodeEncodeError:
                return True
        return False

    def vat_rows(self, rows: list[tuple[Decimal, list[date]]], found: set[Defect]) -> None:
        for pct, days in rows:
            if not self.vat_known(pct):
                found.add(Defect.UNKNOWN_VAT_PERCENT)
            elif not all(self.vat_valid(pct, d) for d in days):
                found.add(Defect.VAT_NOT_VALID_ON_DATE)

    def sales(self, inv: SalesInvoice) -> set[Defect]:
        found: set[Defect] = set()
        products = [r for r in inv.rows if r.kind is RowKind.PRODUCT]
        self.vat_rows([(r.vat_percent, [inv.invoice_date]) for r in inv.rows], found)
        if inv.bank_account_iban not in self.ibans:
            found.add(Defect.BANK_ACCOUNT_MISMATCH)
        if inv.sales_account not in self.accounts:
            found.add(Defect.UNKNOWN_SALES_ACCOUNT)
        elif not self.accounts[inv.sales_account]:
            found.add(Defect.INACTIVE_SALES_ACCOUNT)
        if inv.cost_center not in self.cost_centers:
            found.add(Defect.UNKNOWN_COST_CENTER)
        elif not self.cost_centers[inv.cost_center]:
            found.add(Defect.INACTIVE_COST_CENTER)
        self.attachments(inv.attachments, found)
        if self.not_cp1252(*(t for r in inv.rows for t in [r.name, *r.description_lines])):
            found.add(Defect.NON_CP1252_TEXT)
        customer = self.customers[inv.customer_id]
        if inv.channel is InvoiceChannel.EINVOICE and customer.einvoice_operator not in self.f.einvoice_operators:
            found.add(Defect.INVALID_EINVOICE_OPERATOR)
        if not ytunnus.is_valid(customer.business_id):
            found.add(Defect.BAD_BUSINESS_ID)
        if not reference_is_valid(inv.reference_number):
            found.add(Defect.BAD_REFERENCE_NUMBER)
        if inv.due_date < inv.invoice_date:
            found.add(Defect.DUE_DATE_BEFORE_INVOICE_DATE)
        if not products:
            found.add(Defect.EMPTY_INVOICE)
        if self.is_closed(inv.invoice_date):
            found.add(Defect.CLOSED_PERIOD_DATE)
        return found

    def bill(self, bill: Bill) -> set[Defect]:
        found: set[Defect] = set()
        self.vat_rows([(r.vat_percent, [bill.invoice_date]) for r in bill.rows], found)
        self.attachments(bill.attachments, found)
        if self.not_cp1252(*(t for r in bill.rows for t in [r.name, r.description])):
            found.add(Defect.NON_CP1252_TEXT)
        if not ytunnus.is_valid(bill.supplier.business_id):
            found.add(Defect.BAD_BUSINESS_ID)
        if not reference_is_valid(bill.reference_number):
            found.add(Defect.BAD_REFERENCE_NUMBER)
        if bill.due_date < bill.invoice_date:
            found.add(Defect.DUE_DATE_BEFORE_INVOICE_DATE)
        if not bill.rows:
            found.add(Defect.EMPTY_INVOICE)
        if self.is_closed(bill.invoice_date):
            found.add(Defect.CLOSED_PERIOD_DATE)
        return found

    def report(self, rep: ExpenseReport) -> set[Defect]:
        found: set[Defect] = set()
        self.vat_rows([(r.vat_percent, [rep.report_date, r.receipt_date]) for r in rep.rows], found)
        owner = self.users[rep.owner_user_id]
        transferrer = self.users[rep.transferring_user_id]
        if owner.procountor_person_id is None:
            found.add(Defect.MISSING_PERSON_ID)
        elif owner.procountor_person_id not in self.persons:
            found.add(Defect.UNKNOWN_PERSON_ID)
        elif transferrer.procountor_person_id is None:
            found.add(Defect.MISSING_TRANSFERRER_PERSON_ID)
        self.attachments(rep.attachments, found)
        if self.not_cp1252(*(r.description for r in rep.rows)):
            found.add(Defect.NON_CP1252_TEXT)
        travel_rows = (rep.mileage_rows or rep.per_diem_rows) if isinstance(rep, TravelReport) else []
        if not rep.rows and not travel_rows:
            found.add(Defect.EMPTY_INVOICE)
        if self.is_closed(rep.report_date) or any(self.is_closed(r.receipt_date) for r in rep.rows):
            found.add(Defect.CLOSED_PERIOD_DATE)
        return found

    def all_documents(self) -> dict[str, set[Defect]]:
        out = {inv.id: self.sales(inv) for inv in self.t.sales_invoices}
        out.update({b.id: self.bill(b) for b in self.t.bills if b.direction is BillDirection.OUTBOUND})
        out.update({r.id: self.report(r) for r in [*self.t.expense_reports, *self.t.travel_reports]})
        return out


def assert_manifest_matches_detector(result: SeedResult) -> dict[str, set[Defect]]:
    found = Detector(result.taimer, result.procountor).all_documents()
    for doc_id, defects in found.items():
        assert defects == set(result.manifest.defects_of(doc_id)), doc_id
    assert set(result.manifest.documents) <= set(found)
    return found


# --------------------------------------------------------------------------------------------------- tests


def test_seed_same_seed_gives_identical_bytes_and_other_seed_differs() -> None:
    a, b, c = generate(seed=7, **SMALL), generate(seed=7, **SMALL), generate(seed=8, **SMALL)
    assert a.taimer_json() == b.taimer_json()
    assert a.procountor_json() == b.procountor_json()
    assert a.manifest_json() == b.manifest_json()
    assert a.taimer_json() != c.taimer_json()
    assert a.procountor_json() != c.procountor_json()
    # without defects (whose placement is planned across kinds), documents of one kind do not move when another
    # kind's count changes
    e, d = generate(seed=7, **SMALL, defect_share=0), generate(seed=7, **{**SMALL, "bills": 3}, defect_share=0)
    assert [i.model_dump() for i in d.taimer.sales_invoices] == [i.model_dump() for i in e.taimer.sales_invoices]


def test_seed_identifiers_pass_the_libraries() -> None:
    result = rich()
    t, f = result.taimer, result.procountor
    ibans = [b.iban for b in t.company.bank_accounts] + [b["iban"] for b in f.bank_accounts]
    ibans += [inv.bank_account_iban for inv in t.sales_invoices]
    ibans += [b.supplier.iban for b in t.bills] + [p["paymentInfo"]["accountNumber"] for p in f.persons]
    ibans += [i["paymentInfo"]["bankAccount"]["accountNumber"] for i in f.invoices]
    for value in ibans:
        IBAN(value)  # raises on a bad country, length or checksum
    bad_ids = set(result.manifest.documents_with(Defect.BAD_BUSINESS_ID))
    ids = [t.company.business_id, f.company["businessIdentifier"]["code"]]
    ids += [c.business_id for c in t.customers if not c.id.startswith("c-d")]
    ids += [b.supplier.business_id for b in t.bills if b.id not in bad_ids]
    ids += [i["counterParty"]["identifier"] for i in f.invoices]
    assert len(ids) > 50 and all(ytunnus.is_valid(v) for v in ids)
    bad_refs = set(result.manifest.documents_with(Defect.BAD_REFERENCE_NUMBER))
    refs = [d.reference_number for d in [*t.sales_invoices, *t.bills] if d.id not in bad_refs]
    refs += [i["paymentInfo"]["bankReferenceCode"] for i in f.invoices]
    rf = [r for r in refs if r.startswith("RF")]
    assert rf and all(iso11649.is_valid(r) for r in rf)
    national = [r for r in refs if not r.startswith("RF")]
    assert national and all(is_valid_fi_reference(r) for r in national)
    # (the 7-3-1 check itself is tested against hand-worked examples in tests/unit/test_identifiers_*.py)


def test_seed_every_defect_is_planted_exactly_where_the_manifest_says() -> None:
    result = rich()
    assert result.manifest.not_planted == []
    planted = {d for defects in result.manifest.documents.values() for d in defects}
    assert planted == set(DOCUMENT_DEFECTS)
    found = assert_manifest_matches_detector(result)
    defective = sum(1 for v in found.values() if v)
    assert defective == result.manifest.counts["defective_documents"]
    # roughly the requested share (one defect per document; at least one of each)
    total = len(found)
    assert 0.2 * total <= defective <= 0.4 * total


def test_seed_requested_defects_only_and_zero_share_is_clean() -> None:
    chosen = [Defect.UNKNOWN_VAT_PERCENT, Defect.MISSING_PERSON_ID, Defect.INVALID_EINVOICE_OPERATOR]
    result = generate(seed=3, **SMALL, defect_share=0.2, defects=chosen)
    assert {d for ds in result.manifest.documents.values() for d in ds} == set(chosen)
    assert_manifest_matches_detector(result)
    clean = generate(seed=3, **SMALL, defect_share=0)
    assert clean.manifest.documents == {}
    assert not any(assert_manifest_matches_detector(clean).values())


def test_seed_clean_documents_have_vat_valid_on_their_dates_across_rate_changes() -> None:
    result = rich()
    det = Detector(result.taimer, result.procountor)
    seen: set[Decimal] = set()
    for inv in result.taimer.sales_invoices:
        if result.manifest.defects_of(inv.id):
            continue
        for row in inv.rows:
            assert det.vat_valid(row.vat_percent, inv.invoice_date), (inv.id, row.vat_percent, inv.invoice_date)
            seen.add(row.vat_percent)
    for rep in [*result.taimer.expense_reports, *result.taimer.travel_reports]:
        if result.manifest.defects_of(rep.id):
            continue
        for row in rep.rows:
            assert row.receipt_date != rep.report_date
            assert det.vat_valid(row.vat_percent, row.receipt_date) and det.vat_valid(row.vat_percent, rep.report_date)
    assert {Decimal("24"), Decimal("25.5"), Decimal("14"), Decimal("13.5"), Decimal("10")} <= seen


def test_seed_reference_round_trip_between_the_two_companies() -> None:
    result = rich()
    t, f = result.taimer, result.procountor
    pc_ibans = {b["iban"] for b in f.bank_accounts}
    assert {b.iban for b in t.company.bank_accounts} <= pc_ibans
    persons = {p["id"] for p in f.persons}
    users = {u.id: u for u in t.users}
    matched = [u for u in t.users if u.procountor_person_id is not None and u.procountor_person_id in persons]
    assert len(matched) == 8 and sum(1 for u in t.users if u.procountor_person_id is None) >= 2  # unmatched on purpose
    for rep in [*t.expense_reports, *t.travel_reports]:
        if not result.manifest.defects_of(rep.id):
            assert users[rep.owner_user_id].procountor_person_id in persons
            assert users[rep.transferring_user_id].procountor_person_id in persons
    accounts = {a["ledgerAccountCode"] for a in f.ledger_accounts if a.get("active", True)}
    dim = next(d for d in f.dimensions if d["name"] == "Kustannuspaikka")
    centers = {i["codeName"] for i in dim["items"] if i.get("status") != "P"}
    for inv in t.sales_invoices:
        if not result.manifest.defects_of(inv.id):
            assert inv.sales_account in accounts and inv.cost_center in centers
            assert inv.bank_account_iban in pc_ibans
    products = {p["id"] for p in f.products}
    assert all(p.procountor_product_id in products for p in t.products)
    assert all(w.procountor_product_id in products for w in t.work_types)
    for rep in t.travel_reports:
        for row in [*rep.mileage_rows, *rep.per_diem_rows]:
            prod = next(p for p in f.products if p["id"] == row.procountor_product_id)
            assert prod["type"] == "TRAVEL" and prod["startDate"] <= row.date.isoformat() <= prod.get("endDate", "9")
    einvoice = [c for c in t.customers if c.einvoice_operator and not c.id.startswith("c-d")]
    assert einvoice and all(c.einvoice_operator in f.einvoice_operators for c in einvoice)
    assert t.company.business_id == f.company["businessIdentifier"]["code"]
    # the fixture is a valid ProcountorDataset after a JSON round trip (the sandbox loads it from JSON)
    ProcountorDataset.model_validate_json(result.procountor_json())
    TaimerDataset.model_validate_json(result.taimer_json())


def test_seed_documents_carry_the_realistic_parts() -> None:
    t = rich().taimer
    kinds = {r.kind for inv in t.sales_invoices for r in inv.rows}
    assert kinds == {RowKind.PRODUCT, RowKind.HEADER, RowKind.DESCRIPTION}
    assert any(len(r.description_lines) >= 2 for inv in t.sales_invoices for r in inv.rows)
    sources = {r.payment_source.value for rep in t.expense_reports for r in rep.rows}
    assert sources == {"own", "company"}
    assert any(len({r.payment_source for r in rep.rows}) == 2 for rep in t.expense_reports)  # mixed reports
    assert any(inv.channel is InvoiceChannel.EINVOICE for inv in t.sales_invoices)
    kinds_seen = {t.attachment_blobs[a.id].kind for inv in t.sales_invoices for a in inv.attachments}
    assert {"pdf", "jpeg", "gif"} <= kinds_seen
    assert any(b.direction is BillDirection.INBOUND for b in t.bills)
    assert all(att.size == blob_size(t.attachment_blobs[att.id]) for inv in t.sales_invoices for att in inv.attachments)


def expected_route(fixture_invoice: dict[str, Any], t: TaimerDataset) -> tuple[str | None, RoutingReason]:
    users = {u.id: u for u in t.users}
    by_pid = {u.procountor_person_id: u for u in t.users if u.procountor_person_id}
    project = next((p for p in t.projects if p.number == fixture_invoice.get("orderReference")), None)
    if project and users[project.manager_user_id].can_receive_purchase_invoices:
        return project.manager_user_id, RoutingReason.PROJECT_MANAGER
    pid = fixture_invoice.get("buyerReferenceIdentifier")
    if pid and by_pid[int(pid)].can_receive_purchase_invoices:
        return by_pid[int(pid)].id, RoutingReason.PERSON_ID
    default = t.company.default_purchase_invoice_recipient_user_id
    return (default, RoutingReason.DEFAULT_RECIPIENT) if default else (None, RoutingReason.UNROUTED)


@pytest.mark.parametrize("company_defects", [[], [Defect.NO_DEFAULT_RECIPIENT]])
def test_seed_inbound_purchase_invoices_and_their_expected_routing(company_defects: list[Defect]) -> None:
    result = generate(seed=11, **{**SMALL, "bills": 30}, defects=[Defect.EMPTY_INVOICE, *company_defects])
    t, f = result.taimer, result.procountor
    assert len(f.invoices) == 16 and all(i["status"] == "RECEIVED" for i in f.invoices)
    reasons = set()
    for inv in f.invoices:
        route = result.manifest.inbound_routing[str(inv["id"])]
        assert (route.recipient_user_id, route.reason) == expected_route(inv, t)
        reasons.add(route.reason)
    if company_defects:
        assert reasons == {RoutingReason.PROJECT_MANAGER, RoutingReason.PERSON_ID, RoutingReason.UNROUTED}
        assert t.company.default_purchase_invoice_recipient_user_id is None
    else:
        assert reasons == {RoutingReason.PROJECT_MANAGER, RoutingReason.PERSON_ID, RoutingReason.DEFAULT_RECIPIENT}
    mirrors = [b for b in t.bills if b.direction is BillDirection.INBOUND]
    assert mirrors and all(b.procountor_id in {i["id"] for i in f.invoices} for b in mirrors)


def test_seed_company_bank_account_defect_marks_every_sales_invoice() -> None:
    result = generate(seed=4, **SMALL, defect_share=0.1, defects=[Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR])
    pc_ibans = {b["iban"] for b in result.procountor.bank_accounts}
    assert not ({b.iban for b in result.taimer.company.bank_accounts} & pc_ibans)
    assert result.manifest.company == [Defect.COMPANY_BANK_ACCOUNT_NOT_IN_PROCOUNTOR]
    assert set(result.manifest.documents_with(Defect.BANK_ACCOUNT_MISMATCH)) == {
        i.id for i in result.taimer.sales_invoices
    }
    assert_manifest_matches_detector(result)


def test_seed_google_drive_installation() -> None:
    result = generate(seed=2, **SMALL, google_drive=True, defect_share=0.5)
    t = result.taimer
    assert t.company.attachments_in_google_drive and result.manifest.attachments_in_google_drive
    atts = [a for inv in t.sales_invoices for a in inv.attachments]
    assert atts and all(a.storage.value == "google_drive" for a in atts)
    assert not any(DEFECTS[d].attachment for ds in result.manifest.documents.values() for d in ds)
    with pytest.raises(ValueError, match="Google Drive"):
        SeedConfig(google_drive=True, defects=[Defect.ATTACHMENT_TOO_LARGE])
    assert parse_defects("unknown_vat_percent, EMPTY_INVOICE") == [Defect.UNKNOWN_VAT_PERCENT, Defect.EMPTY_INVOICE]
    with pytest.raises(ValueError, match="unknown defect"):
        parse_defects("NOT_A_DEFECT")
    assert set(COMPANY_DEFECTS) | set(DOCUMENT_DEFECTS) == set(Defect)


def test_seed_cli_writes_files_and_loads_the_real_sandboxes(tmp_path: Any, capsys: Any) -> None:
    from sandboxes.procountor.app import create_app as procountor_app
    from sandboxes.runner import serve_in_thread
    from sandboxes.taimer.app import create_app as taimer_app

    args = ["--seed", "42", "--sales-invoices", "30", "--bills", "6", "--expense-reports", "4"]
    args += ["--travel-reports", "3", "--defect-share", "0.2", "--defects", "UNKNOWN_VAT_PERCENT,EMPTY_INVOICE"]
    with serve_in_thread(taimer_app()) as taimer, serve_in_thread(procountor_app()) as procountor:
        rc = seed_main([*args, "--out", str(tmp_path), "--load-taimer", taimer.base_url])
        rc2 = seed_main([*args, "--load-procountor", procountor.base_url])
        taimer_state = requests.get(taimer.base_url + "/_control/state", timeout=30).json()
        procountor_state = requests.get(procountor.base_url + "/_control/state", timeout=30).json()
    assert rc == 0 and rc2 == 0
    out = capsys.readouterr().out
    assert "loaded taimer: HTTP 200" in out and "loaded procountor: HTTP 200" in out
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["defect_counts"]) == {"UNKNOWN_VAT_PERCENT", "EMPTY_INVOICE"}
    taimer_json = json.loads((tmp_path / "taimer.json").read_text())
    assert len(taimer_json["sales_invoices"]) == 30 and (tmp_path / "procountor.json").exists()
    assert str(taimer_json["sales_invoices"][0]["id"]) in json.dumps(taimer_state)
    assert str(json.loads((tmp_path / "procountor.json").read_text())["invoices"][0]["id"]) in json.dumps(
        procountor_state
    )
    assert seed_main(["--google-drive", "--defects", "ATTACHMENT_TOO_LARGE"]) == 2


def test_seed_timing_of_10000_sales_invoices() -> None:
    started = time.perf_counter()
    result = generate(seed=1, sales_invoices=10_000, bills=0, expense_reports=0, travel_reports=0, defect_share=0.1)
    generated = time.perf_counter() - started
    text = result.taimer_json()
    total = time.perf_counter() - started
    print(
        f"\nseed generator: 10,000 sales invoices in {generated:.2f} s"
        f" ({generated / 10_000 * 1e6:.0f} µs each), with JSON ({len(text) / 1e6:.1f} MB) {total:.2f} s"
    )
    assert len(result.taimer.sales_invoices) == 10_000
    assert result.manifest.counts["defective_documents"] == 1000


def test_seed_docs_defect_table_is_the_generated_one() -> None:
    """docs/seed.md shows the defect table made from DEFECTS, so its Procountor answers cannot drift from the code."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "seed.md").read_text(encoding="utf-8")
    assert defect_table_markdown() in doc
    assert "ERROR_VAT_PERCENTAGE (sandbox) on `invoiceRows[n].vatPercent`" in doc
