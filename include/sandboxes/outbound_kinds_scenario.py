"""The outbound scenario of purchase invoices, travel and expense reports, for the demo and the end-to-end tests: a
small seeded company (its bills typed into Taimer) plus hand-made reports whose outcome is known exactly:

- ``EXPENSE_NUMBER``: own money on three receipt dates and company money on two, written on a fourth date
  (two ``BILL_OF_CHARGES``: ``<number>-O`` and ``<number>-Y``);
- ``TRAVEL_NUMBER``: two legs, mileage and per diem through the 2026 travel products (one ``TRAVEL_INVOICE``);
- ``PERSON_CASES``: reports that stop on a person ID (missing owner ID, missing transferrer ID, unknown ID,
  inactive person), each naming its person.

    result = kinds_seed()      # SeedResult; sandboxes.seed.__main__.load(result, taimer_url, procountor_url)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sandboxes.seed import SeedConfig, SeedResult, generate
from taimer_procountor.taimer.models import (
    ExpenseReport,
    ExpenseRow,
    IntegrationStatus,
    MileageRow,
    PaymentSource,
    PerDiemRow,
    SyncState,
    TravelLeg,
    TravelReport,
    User,
)

EXPENSE_NUMBER = 9001
TRAVEL_NUMBER = 9101
INACTIVE_PERSON_ID = 804  # Pekka Entinen: in the sandbox's person register, not active
UNKNOWN_PERSON_ID = 999_999
# report number -> (owner user, transferring user, expected code, the user the error names)
PERSON_CASES: dict[int, tuple[str, str, str, str]] = {
    9201: ("u-kinds-nopid", "OWNER", "OUTBOUND_OWNER_PERSON_ID_MISSING", "u-kinds-nopid"),
    9202: ("OWNER", "u-kinds-nopid", "OUTBOUND_TRANSFERRER_PERSON_ID_MISSING", "u-kinds-nopid"),
    9203: ("u-kinds-unknown", "OWNER", "OUTBOUND_PERSON_ID_UNKNOWN", "u-kinds-unknown"),
    9204: ("u-kinds-inactive", "OWNER", "OUTBOUND_PERSON_INACTIVE", "u-kinds-inactive"),
}
EXTRA_USERS = (
    User(id="u-kinds-nopid", name="Ville Vailla", procountor_person_id=None),
    User(id="u-kinds-unknown", name="Outi Outo", procountor_person_id=UNKNOWN_PERSON_ID),
    User(id="u-kinds-inactive", name="Pekka Entinen", procountor_person_id=INACTIVE_PERSON_ID),
)
GENERAL = Decimal("25.5")


REPORT_DAY = date(2026, 10, 20)  # in the seed's open periods, before its end date; 2026 travel products apply


def expense_report(owner: str, transferrer: str, number: int, day: date) -> ExpenseReport:
    """Own money on three receipt dates, company money on two, all before the report's own date."""
    own = [(day - timedelta(days=d), f"Taksi {n}", Decimal(a)) for n, (d, a) in enumerate(
        [(8, "23.40"), (6, "18.90"), (4, "41.00")], start=1)]  # fmt: skip
    company = [(day - timedelta(days=d), f"Hotelli {n}", Decimal(a)) for n, (d, a) in enumerate(
        [(7, "129.00"), (5, "96.50")], start=1)]  # fmt: skip
    rows = [
        ExpenseRow(id=f"own{n}", receipt_date=d, description=text, amount=amount, vat_percent=GENERAL)
        for n, (d, text, amount) in enumerate(own, start=1)
    ] + [
        ExpenseRow(id=f"co{n}", receipt_date=d, description=text, amount=amount, vat_percent=GENERAL,
                   payment_source=PaymentSource.COMPANY)
        for n, (d, text, amount) in enumerate(company, start=1)
    ]  # fmt: skip
    return ExpenseReport(
        id=f"exp-kinds-{number}",
        number=number,
        owner_user_id=owner,
        transferring_user_id=transferrer,
        report_date=day,
        title="Asiakasprojektin kulut",
        rows=rows,
        integration=IntegrationStatus(sync_state=SyncState.READY),
    )


def travel_report(owner: str, number: int, day: date) -> TravelReport:
    start = day - timedelta(days=2)
    return TravelReport(
        id=f"trv-kinds-{number}",
        number=number,
        owner_user_id=owner,
        transferring_user_id=owner,
        report_date=day,
        title="Asennus, Oulu ja Kemi",
        legs=[
            TravelLeg(departure=datetime.combine(start, time(7, 15)), arrival=datetime.combine(start, time(19, 0)),
                      from_place="Helsinki", places="Oulu", purpose="Asiakastapaaminen"),
            TravelLeg(departure=datetime.combine(start + timedelta(days=1), time(8, 0)),
                      arrival=datetime.combine(start + timedelta(days=1), time(18, 30)),
                      from_place="Oulu", places="Kemi", purpose="Asennustyö"),
        ],
        mileage_rows=[MileageRow(id="km1", date=start, description="Helsinki-Oulu-Kemi", kilometres=Decimal("720"),
                                 rate_per_km=Decimal("0.55"), procountor_product_id=723)],
        per_diem_rows=[PerDiemRow(id=f"pd{d + 1}", date=start + timedelta(days=d), rate=Decimal("54.00"),
                                  procountor_product_id=722) for d in range(2)],
        integration=IntegrationStatus(sync_state=SyncState.READY),
    )  # fmt: skip


def kinds_seed(*, seed: int = 8, bills: int = 3, day: date = REPORT_DAY) -> SeedResult:
    """A company with ``bills`` bills to send and the hand-made reports above (nothing else to send)."""
    result = generate(
        SeedConfig(seed=seed, customers=2, projects=2, users=3, sales_invoices=0, bills=bills, inbound_bills=0,
                   expense_reports=0, travel_reports=0, defect_share=0, attachment_share=0)
    )  # fmt: skip
    data = result.taimer
    owner = next(u for u in data.users if u.procountor_person_id is not None)
    data.users.extend(EXTRA_USERS)
    data.expense_reports.append(expense_report(owner.id, owner.id, EXPENSE_NUMBER, day))
    data.travel_reports.append(travel_report(owner.id, TRAVEL_NUMBER, day))
    for number, (who, transferrer, _code, _named) in PERSON_CASES.items():
        report = expense_report(owner.id if who == "OWNER" else who, owner.id if transferrer == "OWNER" else
                                transferrer, number, day)  # fmt: skip
        report.id = f"exp-kinds-{number}"
        data.expense_reports.append(report)
    return result


def owner_of(result: SeedResult) -> User:
    return next(u for u in result.taimer.users if u.procountor_person_id is not None)
