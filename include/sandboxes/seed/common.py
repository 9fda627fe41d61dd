"""What the parts of the seed generator share: constants of the planted defects, the seeded random helpers,
money and date helpers, fiscal years, and the expected routing of a received purchase invoice."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from sandboxes.seed import finnish as fi
from sandboxes.seed.attachments import AttachmentKind
from taimer_procountor.taimer.models import (
    RoutingReason,
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


class ExpectedRouting(BaseModel):
    recipient_user_id: str | None
    reason: RoutingReason
    project_number: str | None = None
    person_id: int | None = None


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


def wrong_general_rate(day: date) -> Decimal:
    """A general-rate percentage Procountor knows but that is not valid on ``day``."""
    return Decimal("24") if day >= date(2024, 9, 1) else Decimal("25.5")
