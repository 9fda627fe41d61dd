"""Names shared by the reference sync: snapshot kinds (what Procountor said) and the Taimer kinds pushed from them.

Kept free of heavy imports so the report and the tests can use it cheaply.
"""

from __future__ import annotations

FLOW = "reference_sync"
DEFAULT_COST_CENTER_DIMENSION = "Kustannuspaikka"

# Procountor reference data kept in the ledger, one snapshot per kind per run: kind -> key field of its items.
SNAPSHOT_KINDS: dict[str, str] = {
    "company": "id",
    "ledger_accounts": "ledgerAccountCode",
    "cost_centers": "id",
    "products": "id",
    "persons": "id",
    "vat_percentages": "vatPercent",
    "vat_statuses": "vatStatus",
    "bank_accounts": "id",
    "fiscal_years": "id",
}

# What Taimer receives (``taimer_procountor.taimer.models.ReferenceKind`` values) and the snapshot kinds each is
# built from.
TAIMER_KINDS: dict[str, tuple[str, ...]] = {
    "accounts": ("ledger_accounts",),
    "cost_centers": ("cost_centers",),
    "products": ("products",),
    "vat_rates": ("vat_percentages",),
    "person_ids": ("persons",),
}

# Ledger namespace of what was pushed to Taimer (``reference_pushed.kind``), apart from the snapshot kinds.
PUSHED_PREFIX = "taimer."
PUSHED_KEY_FIELD = "key"


def pushed_kind(taimer_kind: str) -> str:
    return PUSHED_PREFIX + taimer_kind
