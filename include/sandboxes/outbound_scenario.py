"""The outbound scenario of the demo and the outbound end-to-end tests: both sandboxes seeded with one company whose
sales invoices are a mixed batch (valid ones, every sales-invoice defect of the seed generator, attachments of every
allowed kind and the refused ones), optionally with Google Drive on.

    result = outbound_seed(sales_invoices=40)          # a SeedResult: taimer dataset, Procountor fixture, manifest
    sandboxes.seed.__main__.load(result, taimer_url, procountor_url)   # into running sandboxes

``store_reference_snapshot`` reads the Procountor sandbox's reference data into a ledger the way the reference DAG's
fetch step does, for tests that start from a synced snapshot without running that DAG first.
"""

from __future__ import annotations

from typing import Any

from sandboxes.seed import Defect, SeedConfig, SeedResult, generate
from sandboxes.seed.defects import DEFECTS, DOCUMENT_DEFECTS, SALES

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATH = "/api/oauth/token"  # getting a token changes nothing: not a write
SALES_DEFECTS: tuple[Defect, ...] = tuple(d for d in DOCUMENT_DEFECTS if SALES in DEFECTS[d].kinds)
ATTACHMENT_DEFECTS: tuple[Defect, ...] = tuple(d for d in SALES_DEFECTS if DEFECTS[d].attachment)
# Taimer's collections of outbound documents and the Procountor invoice type each becomes
OUTBOUND_TYPES = {
    "sales_invoices": "SALES_INVOICE",
    "bills": "PURCHASE_INVOICE",
    "travel_reports": "TRAVEL_INVOICE",
    "expense_reports": "BILL_OF_CHARGES",
}


def outbound_seed(
    *,
    seed: int = 7,
    sales_invoices: int = 30,
    defects: tuple[Defect, ...] | list[Defect] = (),
    defect_share: float | None = None,
    attachment_share: float = 0.5,
    google_drive: bool = False,
) -> SeedResult:
    """A company with ``sales_invoices`` sales invoices and nothing else to send. ``defects``: each planted at
    least once (``defect_share`` defaults to just enough for that)."""
    defects = list(defects)
    if google_drive:
        defects = [d for d in defects if not DEFECTS[d].attachment]
    share = defect_share if defect_share is not None else (len(defects) / sales_invoices if defects else 0.0)
    return generate(
        SeedConfig(
            seed=seed,
            customers=8,
            projects=4,
            users=4,
            sales_invoices=sales_invoices,
            bills=0,
            inbound_bills=0,
            expense_reports=0,
            travel_reports=0,
            defect_share=min(1.0, share),
            defects=defects or [],
            attachment_share=attachment_share,
            google_drive=google_drive,
        )
    )


def store_reference_snapshot(ledger: Any, procountor_url: str, credentials: tuple[str, str, str]) -> dict[str, Any]:
    """Fetch the Procountor sandbox's reference data and store it in ``ledger`` (the reference DAG's fetch step)."""
    from taimer_procountor.procountor.client import ProcountorClient
    from taimer_procountor.procountor.settings import ProcountorSettings
    from taimer_procountor.reference.extract import fetch_snapshot
    from taimer_procountor.reference.load import store_snapshot

    client_id, secret, api_key = credentials
    settings = ProcountorSettings(f"{procountor_url}/api", client_id, secret, api_key, rate_per_second=50)
    with ProcountorClient(settings) as client:
        return store_snapshot(ledger, fetch_snapshot(client))


def marked_for_transfer(dataset: Any) -> dict[tuple[str, str], set[str]]:
    """Every document of a Taimer dataset marked for transfer, by (collection, Taimer id), with the
    ``originalInvoiceNumber``s it becomes in Procountor when valid (an expense report one per payment source its
    rows use, by the documented suffixes)."""
    from taimer_procountor.outbound.extract import document_number
    from taimer_procountor.outbound.transform import invoice_parts, part_number

    expected: dict[tuple[str, str], set[str]] = {}
    for collection in OUTBOUND_TYPES:
        for doc in getattr(dataset, collection):
            if doc.integration.sync_state != "ready":
                continue
            if collection == "expense_reports":
                expected[collection, doc.id] = {part_number(doc, part) for part in invoice_parts(doc)}
            else:
                expected[collection, doc.id] = {document_number(doc)}
    return expected


def created_invoices(state: dict[str, Any], received: set[int]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """The live invoices of a Procountor sandbox's state (``GET /_control/state``) that the integration created (not
    the ``received`` ids the seed put there), by (type, ``originalInvoiceNumber``): more than one under a key is a
    duplicate."""
    created: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for inv in state["invoices"]:
        if inv["id"] not in received and inv.get("status") != "INVALIDATED":
            created.setdefault((inv["type"], str(inv.get("originalInvoiceNumber"))), []).append(inv)
    return created


def written_back(collection: str, integration: dict[str, Any]) -> set[tuple[Any, Any, Any]]:
    """(Procountor id, number, status) of each invoice a Taimer document's write-back names: an expense report's
    linked invoices (one per half), otherwise the document's own fields. Compare with ``procountor_fields``."""
    if collection == "expense_reports":
        return {(li["procountor_id"], li["procountor_number"], li["status"]) for li in integration["linked_invoices"]}
    return {(integration["procountor_id"], integration["procountor_number"], integration["procountor_status"])}


def procountor_fields(invoices: list[dict[str, Any]]) -> set[tuple[Any, Any, Any]]:
    """(id, number, status) of Procountor invoices, as ``written_back`` reads them from Taimer."""
    return {(inv["id"], inv.get("invoiceNumber"), inv["status"]) for inv in invoices}


def write_requests(entries: list[dict[str, Any]]) -> list[str]:
    """``METHOD path`` of every write request in a sandbox's request log (``GET /_control/requests``)."""
    return [f"{e['method']} {e['path']}" for e in entries if e["method"] in WRITE_METHODS and e["path"] != LOGIN_PATH]
