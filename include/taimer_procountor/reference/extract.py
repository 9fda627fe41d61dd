"""Read every kind of reference data from Procountor into plain JSON-able dicts (one list per snapshot kind).

The dicts keep Procountor's own camelCase field names (``model.to_wire()``) so a snapshot in the ledger reads like
the API answer. Two deliberate changes: cost centers are the items of one dimension, flattened with the dimension's
id and name; persons carry a keyed HMAC of their normalised personal identifier (``identifierHmac``) instead of the
identifier itself, and nothing identifier-derived at all when no pseudonym key is configured
(``persons.identifier_hmac``).

Rows are validated one by one: a malformed row (a product without a name, a dimension item without ``codeName``, a
person whose detail answer does not parse) is skipped and reported as ``REFERENCE_ITEM_INVALID`` with its kind and
id (never its content). Its kind is still saved, but the ledger keeps that item's last good copy instead of marking
it removed (``FetchedSnapshot.keep_keys``; ``keep_missing`` when the bad row had no usable id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taimer_procountor.procountor.client import InvalidRow
from taimer_procountor.procountor.errors import ProcountorMalformedAnswer
from taimer_procountor.redaction import get_logger
from taimer_procountor.reference.kinds import DEFAULT_COST_CENTER_DIMENSION, SNAPSHOT_KINDS
from taimer_procountor.reference.persons import IDENTIFIER_FIELD, identifier_hmac

if TYPE_CHECKING:
    from taimer_procountor.procountor import ProcountorClient
    from taimer_procountor.procountor.client import InvalidRow
    from taimer_procountor.procountor.models import Person

log = get_logger(__name__)

PRODUCT_TYPES = ("SALES", "PURCHASE", "TRAVEL")

ITEM_INVALID = "REFERENCE_ITEM_INVALID"
ITEM_DUPLICATE_KEY = "REFERENCE_ITEM_DUPLICATE_KEY"
DIMENSION_NOT_FOUND = "REFERENCE_DIMENSION_NOT_FOUND"
IDENTIFIER_RULE_DISABLED = "REFERENCE_IDENTIFIER_RULE_DISABLED"

# what a problem does to its kind's snapshot (``problem["effect"]``)
SKIP_KIND = "skip_kind"  # the kind is not saved at all: the ledger keeps its last good state
KEEP_ITEM = "keep_item"  # the item ``problem["item"]`` keeps its last good copy (not marked removed)
KEEP_MISSING = "keep_missing"  # no item of the kind is marked removed this time
REPORT_ONLY = "report"


@dataclass(frozen=True)
class ReferenceProblem:
    """A catalogue code raised while reading or saving one kind of reference data (``item``: the id of the row it
    concerns, when one). ``effect`` says what it does to the kind's snapshot (``SKIP_KIND``/``KEEP_ITEM``/
    ``KEEP_MISSING``/``REPORT_ONLY``). ``detail`` names the kind and ids only, never a row's content."""

    code: str
    kind: str
    detail: str
    item: str | None = None
    effect: str = REPORT_ONLY

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "kind": self.kind, "item": self.item, "detail": self.detail, "effect": self.effect}


@dataclass(frozen=True)
class ReferenceNotice:
    """Something the run report mentions that needs nobody to act (a catalogue code against one kind)."""

    code: str
    kind: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "kind": self.kind, "detail": self.detail}


def problem(code: str, kind: str, detail: str, *, item: object = None, effect: str = REPORT_ONLY) -> ReferenceProblem:
    return ReferenceProblem(code, kind, detail, None if item is None else str(item), effect)


@dataclass
class FetchedSnapshot:
    """What one fetch read: items per snapshot kind, plus problems that did not stop the fetch.

    ``problems`` are errors of the run report (their ``effect`` says what each does to its kind's snapshot);
    ``notices`` are informational."""

    items: dict[str, list[dict[str, Any]]]
    problems: list[ReferenceProblem] = field(default_factory=list)
    cost_center_dimension_id: int | None = None
    notices: list[ReferenceNotice] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {kind: len(values) for kind, values in self.items.items()}


def fetch_snapshot(
    client: ProcountorClient,
    *,
    cost_center_dimension: str = DEFAULT_COST_CENTER_DIMENSION,
    person_details: bool = True,
    pseudonym_key: str | None = None,
    on_progress: Callable[[str, int], None] | None = None,
) -> FetchedSnapshot:
    """Read company, chart of accounts, the cost-center dimension's items, products (sales, purchase, travel),
    persons, VAT percentages and statuses, bank accounts and fiscal years through a ``ProcountorClient``.

    ``person_details``: also read ``GET /persons/{id}`` for each person (the list answer has no e-mail, which the
    person-matching rule needs). ``pseudonym_key``: the key of the identifier HMACs (None: no identifier-derived
    value is stored and the report carries ``REFERENCE_IDENTIFIER_RULE_DISABLED``). Transient faults are absorbed
    by the client's retries; a malformed row is skipped and reported; anything else raises.
    """
    items: dict[str, list[dict[str, Any]]] = {}
    problems: list[ReferenceProblem] = []
    notices: list[ReferenceNotice] = []

    def done(kind: str) -> None:
        if on_progress is not None:
            on_progress(kind, len(items[kind]))

    def invalid(kind: str) -> Callable[[InvalidRow], None]:
        def record(row: InvalidRow) -> None:
            where = f"{kind} item {row.item_id}" if row.item_id is not None else f"{kind}: a row without an id"
            log.warning("Procountor %s: %s skipped (%s)", row.path, where, row.describe())
            problems.append(
                problem(
                    ITEM_INVALID,
                    kind,
                    f"{where}: {row.describe()}",
                    item=row.item_id,
                    effect=KEEP_ITEM if row.item_id is not None else KEEP_MISSING,
                )
            )

        return record

    try:
        items["company"] = [client.company().to_wire()]
    except ProcountorMalformedAnswer as exc:
        items["company"] = []
        fields = ", ".join(exc.fields) or "not an object"
        problems.append(problem(ITEM_INVALID, "company", f"company: invalid fields: {fields}", effect=SKIP_KIND))
    done("company")
    items["ledger_accounts"] = [a.to_wire() for a in client.chart_of_accounts(on_invalid=invalid("ledger_accounts"))]
    done("ledger_accounts")

    items["cost_centers"], dimension_id = _cost_centers(client, cost_center_dimension, problems, invalid)
    done("cost_centers")

    products: list[dict[str, Any]] = []
    for ptype in PRODUCT_TYPES:
        for product in client.products(type=ptype, on_invalid=invalid("products")):
            row = product.to_wire()
            row.setdefault("type", ptype)
            products.append(row)
    items["products"] = sorted(products, key=lambda r: r["id"])  # a repeated id is caught when stored
    done("products")

    if not pseudonym_key:
        notices.append(
            ReferenceNotice(
                IDENTIFIER_RULE_DISABLED,
                "persons",
                "no pseudonym_key on the ledger connection: persons are matched by e-mail only",
            )
        )
    persons = []
    # inactive persons too: an outbound travel or expense invoice naming one is refused as inactive, not unknown
    for basic in client.persons(include_inactive=True, on_invalid=invalid("persons")):
        person = basic
        if person_details and basic.id is not None:
            try:
                person = client.person(basic.id)
            except ProcountorMalformedAnswer as exc:
                invalid("persons")(InvalidRow(f"/persons/{basic.id}", str(basic.id), exc.fields))
                continue
        persons.append(_person_row(basic, person, pseudonym_key))
    items["persons"] = persons
    done("persons")

    def vat_invalid(row: InvalidRow) -> None:
        invalid("vat_statuses" if row.path.endswith("statuses") else "vat_percentages")(row)

    vats = client.vats_default(on_invalid=vat_invalid)
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
    items["bank_accounts"] = [b.to_wire() for b in client.bank_accounts(on_invalid=invalid("bank_accounts"))]
    done("bank_accounts")
    items["fiscal_years"] = [f.to_wire() for f in client.fiscal_years(on_invalid=invalid("fiscal_years"))]
    done("fiscal_years")
    missing = set(SNAPSHOT_KINDS) - set(items)
    if missing:  # internal consistency of this module
        raise RuntimeError(f"fetch_snapshot read no {sorted(missing)}")
    return FetchedSnapshot(items=items, problems=problems, cost_center_dimension_id=dimension_id, notices=notices)


def _cost_centers(
    client: ProcountorClient,
    name: str,
    problems: list[ReferenceProblem],
    invalid: Callable[[str], Callable[[InvalidRow], None]],
) -> tuple[list[dict[str, Any]], int | None]:
    """The items of the dimension called ``name`` (case-insensitive), flattened with the dimension's id and name."""
    bad_rows: list[InvalidRow] = []
    wanted = name.strip().casefold()
    dims = [d for d in client.dimensions(on_invalid=bad_rows.append) if (d.name or "").strip().casefold() == wanted]
    if not dims:
        problems.append(problem(DIMENSION_NOT_FOUND, "cost_centers", f"no dimension named {name!r}", effect=SKIP_KIND))
        for bad in bad_rows:
            if bad.parent_id is None:  # an unreadable dimension: it may have been the one
                invalid("cost_centers")(bad)
        return [], None
    dim = dims[0]
    for bad in bad_rows:
        if bad.parent_id is not None and bad.parent_id == str(dim.id):
            invalid("cost_centers")(bad)
    out: list[dict[str, Any]] = []
    for item in dim.items:
        row = item.to_wire()
        row.update(dimensionId=dim.id, dimensionName=dim.name, active=item.active)
        if row.get("id") is None:  # a key is needed; Procountor always gives one, but be safe
            row["id"] = f"{dim.id}:{item.code_name}"
        out.append(row)
    return out, dim.id


def _percent_key(value: Any) -> str:
    """``25.5`` -> ``"25.5"``, ``24.0`` -> ``"24"``: one spelling per percentage."""
    from decimal import Decimal

    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return text


def _person_row(basic: Person, full: Person, pseudonym_key: str | None) -> dict[str, Any]:
    inv = full.invoicing_info or basic.invoicing_info
    reg = full.registry_info or basic.registry_info
    identifier = inv.identifier if inv is not None else None
    row = {
        "id": basic.id,
        "firstName": full.first_name or basic.first_name,
        "lastName": full.last_name or basic.last_name,
        "personNumber": inv.person_number if inv is not None else None,
        "identifierType": inv.identifier_type if inv is not None else None,
        "email": reg.email if reg is not None else None,
        "active": True if reg is None or reg.active is None else bool(reg.active),
    }
    pseudonym = identifier_hmac(identifier, pseudonym_key)
    if pseudonym:  # without a key: nothing identifier-derived in the row at all
        row[IDENTIFIER_FIELD] = pseudonym
    return row
