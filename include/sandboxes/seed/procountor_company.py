"""The Procountor company that matches the Taimer one (the sandbox's default dataset, extended).

A part of the seed generator (``generator.py``). ``ProcountorCompany`` holds the generator as ``self.g``
and reads and adds to its shared state (config, users, customers, projects, products, attachments, the manifest).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandboxes.procountor.dataset import ProcountorDataset
from sandboxes.seed.common import (
    _fiscal_years,
)

if TYPE_CHECKING:
    from sandboxes.seed.generator import _Generator


class ProcountorCompany:
    def __init__(self, g: _Generator) -> None:
        self.g = g

    def procountor_dataset(
        self, name: str, business_id: str, street: str, postal: str, city: str, invoices: list[dict[str, Any]]
    ) -> ProcountorDataset:
        base = self.g.base
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
            products=[*base.products, *self.g.pc_products],
            persons=[*base.persons, *self.g.persons],
            vat_rates=base.vat_rates,
            vat_statuses=base.vat_statuses,
            zero_rate_vat_statuses=base.zero_rate_vat_statuses,
            bank_accounts=self.g.pc_banks,
            fiscal_years=_fiscal_years(self.g.open_from, self.g.c.end_date),
            einvoice_operators=base.einvoice_operators,
            invoices=invoices,
            default_accounts=base.default_accounts,
        )
