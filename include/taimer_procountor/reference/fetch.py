"""Read every kind of reference data from Procountor into plain JSON-able dicts (one list per snapshot kind).

The dicts keep Procountor's own camelCase field names (``model.to_wire()``) so a snapshot in the ledger reads like
the API answer. Two deliberate changes: cost centers are the items of one dimension, flattened with the dimension's
id and name; persons carry a SHA-256 of their normalised personal identifier instead of the identifier itself, so
the ledger never stores a henkilötunnus but matching by identifier still works (``persons.identifier_digest``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from taimer_procountor.redaction import get_logger
from taimer_procountor.reference.kinds import DEFAULT_COST_CENTER_DIMENSION, SNAPSHOT_KINDS
from taimer_procountor.reference.persons import identifier_digest

log = get_logger(__name__)

PRODUCT_TYPES = ("SALES", "PURCHASE", "TRAVEL")


@dataclass
class FetchedSnapshot:
    """What one fetch read: items per snapshot kind, plus problems that did not stop the fetch."""

    items: dict[str, list[dict[str, Any]]]
    problems: list[dict[str, Any]] = field(default_factory=list)  # {"code", "detail"}
    cost_center_dimension_id: int | None = None

    def counts(self) -> dict[str, int]:
        return {kind: len(values) for kind, values in self.items.items()}


def fetch_snapshot(
    client: Any,
    *,
    cost_center_dimension: str = DEFAULT_COST_CENTER_DIMENSION,
    person_details: bool = True,
    on_progress: Callable[[str, int], None] | None = None,
) -> FetchedSnapshot:
    """Read company, chart of accounts, the cost-center dimension's items, products (sales, purchase, travel),
    persons, VAT percentages and statuses, bank accounts and fiscal years through a ``ProcountorClient``.

    ``person_details``: also read ``GET /persons/{id}`` for each person (the list answer has no e-mail, which the
    person-matching rule needs). Transient faults are absorbed by the client's retries; anything else raises.
    """
    items: dict[str, list[dict[str, Any]]] = {}
    problems: list[dict[str, Any]] = []

    def done(kind: str) -> None:
        if on_progress is not None:
            on_progress(kind, len(items[kind]))

    items["company"] = [client.company().to_wire()]
    done("company")
    items["ledger_accounts"] = [a.to_wire() for a in client.chart_of_accounts()]
    done("ledger_accounts")

    wanted = cost_center_dimension.strip().casefold()
    dims = [d for d in client.dimensions() if (d.name or "").strip().casefold() == wanted]
    cost_centers: list[dict[str, Any]] = []
    dimension_id = None
    if not dims:
        problems.append(
            {
                "code": "REFERENCE_DIMENSION_NOT_FOUND",
                "kind": "cost_centers",
                "detail": f"no dimension named {cost_center_dimension!r}",
            }
        )
    else:
        dim = dims[0]
        dimension_id = dim.id
        for item in dim.items:
            row = item.to_wire()
            row.update(dimensionId=dim.id, dimensionName=dim.name, active=item.active)
            if row.get("id") is None:  # a key is needed; Procountor always gives one, but be safe
                row["id"] = f"{dim.id}:{item.code_name}"
            cost_centers.append(row)
    items["cost_centers"] = cost_centers
    done("cost_centers")

    products: dict[int, dict[str, Any]] = {}
    for ptype in PRODUCT_TYPES:
        for product in client.products(type=ptype):
            row = product.to_wire()
            row.setdefault("type", ptype)
            products[product.id] = row
    items["products"] = [products[k] for k in sorted(products)]
    done("products")

    persons = []
    for basic in client.persons():
        person = client.person(basic.id) if person_details and basic.id is not None else basic
        persons.append(_person_row(basic, person))
    items["persons"] = persons
    done("persons")

    vats = client.vats_default()
    percentages: dict[str, dict[str, Any]] = {}
    for country in vats.vat_information:
        for p in country.percentages:
            key = _percent_key(p.vat_percent)
            entry = percentages.setdefault(key, {"vatPercent": key, "sales": False, "purchase": False})
            entry["sales"] = entry["sales"] or bool(p.sales)
            entry["purchase"] = entry["purchase"] or bool(p.purchase)
    items["vat_percentages"] = [percentages[k] for k in sorted(percentages, key=float)]
    items["vat_statuses"] = [s.to_wire() for s in vats.vat_statuses]
    done("vat_percentages")
    items["bank_accounts"] = [b.to_wire() for b in client.bank_accounts()]
    done("bank_accounts")
    items["fiscal_years"] = [f.to_wire() for f in client.fiscal_years()]
    done("fiscal_years")
    missing = set(SNAPSHOT_KINDS) - set(items)
    if missing:  # internal consistency of this module
        raise RuntimeError(f"fetch_snapshot read no {sorted(missing)}")
    return FetchedSnapshot(items=items, problems=problems, cost_center_dimension_id=dimension_id)


def _percent_key(value: Any) -> str:
    """``25.5`` -> ``"25.5"``, ``24.0`` -> ``"24"``: one spelling per percentage."""
    from decimal import Decimal

    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return text


def _person_row(basic: Any, full: Any) -> dict[str, Any]:
    inv = full.invoicing_info or basic.invoicing_info
    reg = full.registry_info or basic.registry_info
    identifier = inv.identifier if inv is not None else None
    return {
        "id": basic.id,
        "firstName": full.first_name or basic.first_name,
        "lastName": full.last_name or basic.last_name,
        "personNumber": inv.person_number if inv is not None else None,
        "identifierType": inv.identifier_type if inv is not None else None,
        "identifierDigest": identifier_digest(identifier),
        "email": reg.email if reg is not None else None,
        "active": True if reg is None or reg.active is None else bool(reg.active),
    }
