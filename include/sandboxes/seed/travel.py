"""Travel reports: legs, mileage and per-diem rows, on top of the expense rows.

A part of the seed generator (``generator.py``). ``TravelReports`` holds the generator as ``self.g``
and reads and adds to its shared state (config, users, customers, projects, products, attachments, the manifest).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandboxes.seed import finnish as fi
from sandboxes.seed.common import (
    _rng,
)
from sandboxes.seed.defects import Defect
from taimer_procountor.taimer.models import (
    Attachment,
    DocumentKind,
    IntegrationStatus,
    MileageRow,
    PerDiemKind,
    PerDiemRow,
    SyncState,
    TravelLeg,
    TravelReport,
)

if TYPE_CHECKING:
    from sandboxes.seed.generator import _Generator


class TravelReports:
    def __init__(self, g: _Generator) -> None:
        self.g = g

    def travel_report(self, i: int, defect: Defect | None) -> TravelReport:
        rnd = _rng(self.g.seed, "trv", i)
        doc_id = f"trv-{i + 1:05d}"
        report_date = self.g.report_date(rnd, defect)
        closed = defect is Defect.CLOSED_PERIOD_DATE
        owner, transferrer = self.g.expenses.report_people(rnd, defect)
        start = self.g.receipt_date(rnd, report_date, closed)
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
        rows = self.g.expenses.expense_rows(rnd, report_date, closed, rnd.randint(0, 3), f"matka-{i + 1}", atts)
        if not rows and not mileage and not per_diem:
            rows = self.g.expenses.expense_rows(rnd, report_date, closed, 1, f"matka-{i + 1}", atts)
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
            self.g.expenses.apply_report_defect(rnd, report, defect, f"matka-{i + 1}")
            self.g.mark(doc_id, DocumentKind.TRAVEL_REPORT, defect)
        return report
