"""ProcountorClient against the real Procountor sandbox on loopback: auth, paging, retries, typed errors,
redaction, and the YAML contract of what it parses. No mocks: faults are injected through the sandbox's control API.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests

from sandboxes.procountor.app import create_app
from sandboxes.procountor.examples import example_invoice as new_invoice
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from taimer_procountor.http import RetryPolicy
from taimer_procountor.procountor import (
    ActionResult,
    ProcountorClient,
    ProcountorForbidden,
    ProcountorNotFound,
    ProcountorOutcomeUnknown,
    ProcountorServerError,
    ProcountorSettings,
    ProcountorUnauthorized,
    ProcountorValidationError,
)
from taimer_procountor.procountor.models import (
    AttachmentMeta,
    DimensionItemValue,
)

CLIENT_ID, SECRET, API_KEY = "sandbox-client", "sandbox-secret", "sandbox-api-key"
FAST_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, jitter=0.01)


@pytest.fixture(scope="module")
def sandbox():
    settings = ProcountorSandboxSettings(timeout_fault_seconds=1.5)
    with serve_in_thread(create_app(settings)) as server:
        yield server


class Control:
    def __init__(self, base_url: str) -> None:
        self.base = base_url + "/_control"

    def fault(self, **rule: Any) -> None:
        requests.post(self.base + "/faults", json=rule, timeout=5).raise_for_status()

    def log(self, path: str | None = None) -> list[dict[str, Any]]:
        params = {"path": path} if path else None
        return requests.get(self.base + "/requests", params=params, timeout=5).json()

    def stats(self) -> dict[str, Any]:
        return requests.get(self.base + "/stats", timeout=5).json()

    def settings(self, **values: Any) -> None:
        requests.patch(self.base + "/settings", json=values, timeout=5).raise_for_status()

    def revoke(self) -> None:
        requests.post(self.base + "/tokens/revoke", json={}, timeout=5).raise_for_status()


@pytest.fixture
def control(sandbox):
    c = Control(sandbox.base_url)
    requests.post(c.base + "/reset", timeout=5).raise_for_status()
    c.settings(token_ttl_seconds=3600, rate_per_second=20)
    yield c
    requests.delete(c.base + "/faults", timeout=5)


def make_client(sandbox, *, token_clock: Any = None, **overrides: Any) -> ProcountorClient:
    fields: dict[str, Any] = {
        "base_url": sandbox.base_url + "/api",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "api_key": API_KEY,
        "read_timeout": 0.5,
        "connect_timeout": 2,
        "rate_per_second": 20,  # the sandbox limit: the client must never trip it
    }
    fields.update(overrides)
    return ProcountorClient(ProcountorSettings(**fields), retry=FAST_RETRY, token_clock=token_clock)


@pytest.fixture
def client(sandbox, control):
    with make_client(sandbox) as c:
        yield c


def settled_log(control: Control, method: str, path: str, expected: int, wait: float = 10.0) -> list[dict[str, Any]]:
    """The request log once ``expected`` calls of ``method path`` are in it (the sandbox logs a call when its handler
    ends, which for a timeout fault is after its sleep), or as it is after ``wait`` seconds."""
    import time

    deadline = time.monotonic() + wait
    while True:
        log = control.log()
        if len(statuses(log, method, path)) >= expected or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def statuses(entries: list[dict[str, Any]], method: str, path: str) -> list[int]:
    return [e["status"] for e in entries if e["method"] == method and e["path"] == path]


# --- tokens ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server_ttl", "margin", "renew_at"),
    [(3600, 60, 3540), (60, 3600, 30)],  # the margin is capped at half the lifetime
    ids=["margin", "half-lifetime"],
)
def test_token_is_cached_and_renewed_once_when_it_expires(sandbox, control, server_ttl, margin, renew_at):
    """The token cache runs on a fake clock, so the token ages without sleeping; the server's real TTL is long
    enough that it never expires during the test."""
    control.settings(token_ttl_seconds=server_ttl)
    now = [1000.0]
    with make_client(sandbox, token_margin_seconds=margin, token_clock=lambda: now[0]) as c:
        c.company()
        c.company()
        assert c.auth.logins == 1
        now[0] += renew_at - 0.1  # just before the renewal point: the cached token is still used
        c.company()
        assert c.auth.logins == 1
        now[0] += 0.2  # just past it: one new login, before the server would refuse the old token
        c.company()
        c.company()
        assert c.auth.logins == 2
    log = control.log()
    assert statuses(log, "POST", "/api/oauth/token") == [200, 200]
    assert statuses(log, "GET", "/api/company") == [200] * 5


def test_revoked_token_gets_401_then_exactly_one_relogin(client, control):
    client.company()
    control.revoke()
    company = client.company()
    assert company.id
    log = control.log()
    assert statuses(log, "POST", "/api/oauth/token") == [200, 200]
    assert statuses(log, "GET", "/api/company") == [200, 401, 200]


def test_revoke_fault_on_a_post_is_resent_once_and_creates_one_invoice(client, control):
    client.company()
    control.fault(kind="revoke_tokens", path="^/api/invoices$", method="POST", nth=1, count=1)
    created = client.invoices.create(new_invoice("REVOKE-1"))
    assert created.id
    assert statuses(control.log(), "POST", "/api/invoices") == [401, 200]
    assert len(client.invoices.find_by_original_number("REVOKE-1")) == 1


def test_wrong_api_key_is_unauthorized_without_retry_storm(sandbox, control):
    with make_client(sandbox, api_key="not-the-right-key") as c, pytest.raises(ProcountorUnauthorized) as info:
        c.company()
    assert info.value.code == "PROCOUNTOR_UNAUTHORIZED"
    assert len(statuses(control.log(), "POST", "/api/oauth/token")) == 1


# --- paging ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keyset", [False, True])
def test_search_pages_through_everything_once_and_lazily(client, control, keyset):
    created = {client.invoices.create(new_invoice(f"PAGE-{i}")).id for i in range(23)}
    before = len(control.log("/api/invoices"))
    hits = client.invoices.search(types=["SALES_INVOICE"], page_size=5, keyset=keyset)
    first = next(hits)
    searches = [e for e in control.log("/api/invoices") if e["method"] == "GET"]
    assert len(searches) == 1, "the iterator loads one page at a time"
    ids = [first.id, *(h.id for h in hits)]
    assert len(ids) == len(set(ids)) == 23
    assert set(ids) == created
    searches = [e for e in control.log("/api/invoices")[before:] if e["method"] == "GET"]
    assert len(searches) == 5  # 5+5+5+5+3: the short page ends it
    assert len({e["query"] for e in searches}) == 5, "no page loaded twice"
    assert all("size=5" in e["query"] for e in searches)


def test_reference_iterators(client, control):
    persons = list(client.persons())
    assert persons and all(p.id for p in persons)
    assert client.person(persons[0].id).last_name == persons[0].last_name
    travel = list(client.products("TRAVEL"))
    assert travel and {p.type for p in travel} == {"TRAVEL"}
    assert any(b.default_for_invoice for b in client.bank_accounts())
    with pytest.raises(ValueError):
        client.products("SERVICE")


# --- retries -----------------------------------------------------------------------------------------------------


def test_get_is_retried_on_injected_5xx_and_429(client, control):
    client.company()
    control.fault(kind="error_before_commit", path="^/api/company$", method="GET", count=2)
    assert client.company().id
    control.fault(kind="rate_limit", path="^/api/coa$", method="GET", count=1, seconds=1)
    assert client.chart_of_accounts()
    log = control.log()
    assert statuses(log, "GET", "/api/company") == [200, 503, 503, 200]
    assert statuses(log, "GET", "/api/coa") == [429, 200]


@pytest.mark.parametrize("kind", ["error_after_commit", "timeout_after_commit", "drop_after_commit"])
def test_post_invoice_is_never_retried_and_raises_outcome_unknown(client, control, kind):
    client.company()
    control.fault(kind=kind, path="^/api/invoices$", method="POST", count=1)
    with pytest.raises(ProcountorOutcomeUnknown) as info:
        client.invoices.create(new_invoice(f"UNKNOWN-{kind}"))
    assert info.value.code == "PROCOUNTOR_OUTCOME_UNKNOWN"
    log = settled_log(control, "POST", "/api/invoices", 1)
    assert len(statuses(log, "POST", "/api/invoices")) == 1
    found = client.invoices.find_by_original_number(f"UNKNOWN-{kind}")
    assert len(found) == 1, "exactly one invoice exists: the ledger finds it instead of posting again"
    assert control.stats()["invoices"] == 1


def test_post_attachment_is_never_retried(client, control):
    invoice = client.invoices.create(new_invoice("ATT-1"))
    control.fault(kind="error_after_commit", path="^/api/attachments$", method="POST", count=1)
    meta = AttachmentMeta(name="a.txt", reference_type="INVOICE", reference_id=invoice.id, mime_type="text/plain")
    with pytest.raises(ProcountorOutcomeUnknown):
        client.attachments.upload(meta, b"hello")
    assert len(statuses(control.log(), "POST", "/api/attachments")) == 1
    attached = client.invoices.get(invoice.id).attachments or []
    assert [a.name for a in attached] == ["a.txt"]
    got_meta, content = client.attachments.get(attached[0].id)
    assert (got_meta.name, content) == ("a.txt", b"hello")


# --- typed errors ------------------------------------------------------------------------------------------------


def test_validation_error_carries_status_field_and_code(client, control):
    bad = new_invoice("BAD-1")
    bad.counter_party.identifier = "1234567-8"  # wrong check digit
    with pytest.raises(ProcountorValidationError) as info:
        client.invoices.create(bad)
    err = info.value
    assert (err.status, err.field, err.code) == (400, "counterParty.identifier", "ERROR_BRN_CODE")
    assert err.to_document_errors()[0].code == "ERROR_BRN_CODE"
    assert len(statuses(control.log(), "POST", "/api/invoices")) == 1


def test_not_found_forbidden_and_html_500(client, control):
    with pytest.raises(ProcountorNotFound) as nf:
        client.invoices.get(987654)
    assert nf.value.status == 404
    invoice = client.invoices.create(new_invoice("FORBID-1"))
    with pytest.raises(ProcountorForbidden) as fb:
        client.invoices.send_to_circulation(invoice.id)  # a sales invoice cannot go to circulation
    assert fb.value.status == 403 and fb.value.code == "PROCOUNTOR_FORBIDDEN"
    control.fault(kind="html_500", path="^/api/fiscalyears$", method="GET", count=10)
    with pytest.raises(ProcountorServerError) as se:
        client.fiscal_years()
    assert se.value.status == 500
    assert se.value.errors and "<" not in (se.value.errors[0].message or "<")
    assert len(statuses(control.log(), "GET", "/api/fiscalyears")) == FAST_RETRY.max_attempts


# --- ledger receipts and actions -----------------------------------------------------------------------------------


def test_dimensions_on_the_ledger_receipt_and_actions(client, control):
    invoice = client.invoices.create(new_invoice("LR-1"))
    receipt = client.ledger_receipts.get(invoice.ledger_receipt_id)
    entry = next(t for t in receipt.transactions if t.transaction_type == "ENTRY")
    dim = client.dimensions()[0]
    item = next(i for i in dim.items if i.active)
    client.ledger_receipts.set_dimensions(
        receipt.id,
        entry.id,
        [DimensionItemValue(dimension_id=dim.id, item_id=item.id, value=abs(entry.accounting_value))],
    )
    again = client.ledger_receipts.get(receipt.id)
    values = next(t for t in again.transactions if t.id == entry.id).dimension_item_values
    assert values and values[0].item_id == item.id
    client.invoices.approve(invoice.id)
    assert client.invoices.get(invoice.id).status == "APPROVED"  # channel NO_SENDING: APPROVED, never NOT_SENT


# --- invoice actions: exactly once in effect ----------------------------------------------------------------------


def action_log(control: Control, invoice_id: int, action: str, expected: int) -> list[dict[str, Any]]:
    path = f"/api/invoices/{invoice_id}/{action}"
    return [e for e in settled_log(control, "PUT", path, expected) if e["method"] == "PUT" and e["path"] == path]


@pytest.mark.parametrize("kind", ["error_after_commit", "drop_after_commit", "timeout_after_commit"])
def test_approve_with_unknown_outcome_is_looked_up_not_resent(client, control, kind):
    invoice = client.invoices.create(new_invoice(f"ACT-{kind}"))
    control.fault(kind=kind, path=r"/approve$", method="PUT", count=1)
    result = client.invoices.approve(invoice.id)
    assert isinstance(result, ActionResult)
    assert (result.status, result.looked_up, result.already, result.sends) == ("APPROVED", True, False, 1)
    assert client.invoices.get(invoice.id).status == "APPROVED"
    sent = action_log(control, invoice.id, "approve", 1)
    assert len(sent) == 1, "the approve was not sent again"
    assert sent[0]["committed_status"] == 200 and sent[0]["faults"] == [kind]
    reads = statuses(control.log(), "GET", f"/api/invoices/{invoice.id}")
    assert reads[:1] == [200], "the outcome was established by reading the invoice back"


def test_approve_refused_before_commit_is_sent_once_more(client, control):
    invoice = client.invoices.create(new_invoice("ACT-BEFORE"))
    control.fault(kind="error_before_commit", path=r"/approve$", method="PUT", count=1)
    result = client.invoices.approve(invoice.id)
    assert (result.looked_up, result.already, result.sends) == (True, False, 2)
    assert client.invoices.get(invoice.id).status == "APPROVED"
    assert [e["status"] for e in action_log(control, invoice.id, "approve", 2)] == [503, 200]


def test_approve_is_resent_at_most_once(client, control):
    invoice = client.invoices.create(new_invoice("ACT-TWICE"))
    control.fault(kind="error_before_commit", path=r"/approve$", method="PUT", count=5)
    with pytest.raises(ProcountorOutcomeUnknown) as info:
        client.invoices.approve(invoice.id)
    assert "UNFINISHED" in info.value.message
    assert [e["status"] for e in action_log(control, invoice.id, "approve", 2)] == [503, 503]
    assert client.invoices.get(invoice.id).status == "UNFINISHED"


def test_action_on_429_is_retried(client, control):
    invoice = client.invoices.create(new_invoice("ACT-429"))
    control.fault(kind="rate_limit", path=r"/approve$", method="PUT", count=1, seconds=1)
    result = client.invoices.approve(invoice.id)
    assert (result.looked_up, result.sends) == (False, 1)
    assert [e["status"] for e in action_log(control, invoice.id, "approve", 2)] == [429, 200]


def test_approving_an_approved_purchase_invoice_is_already_done(client, control):
    invoice = client.invoices.create(new_invoice("ACT-ALREADY", "PURCHASE_INVOICE"))
    assert client.invoices.send_to_circulation(invoice.id).status is None  # plain 200: not read back
    first = client.invoices.approve(invoice.id, comment="ok")
    assert (first.already, first.looked_up) == (False, False)
    again = client.invoices.approve(invoice.id)
    assert (again.already, again.status, again.looked_up) == (True, "APPROVED", True)
    assert "already in status APPROVED" in str(again)
    assert [e["status"] for e in action_log(control, invoice.id, "approve", 2)] == [200, 403]


def test_approve_where_it_is_impossible_is_forbidden(client, control):
    invoice = client.invoices.create(new_invoice("ACT-INVALID"))
    client.invoices.invalidate(invoice.id)
    with pytest.raises(ProcountorForbidden) as info:
        client.invoices.approve(invoice.id)
    err = info.value
    assert (err.status, err.code) == (403, "PROCOUNTOR_FORBIDDEN")
    assert "status INVALIDATED" in err.message and "UNFINISHED" in err.message
    assert client.invoices.get(invoice.id).status == "INVALIDATED"


def test_unknown_outcome_of_an_impossible_action_is_forbidden(client, control):
    invoice = client.invoices.create(new_invoice("ACT-SEND-PURCHASE", "PURCHASE_INVOICE"))
    client.invoices.send_to_circulation(invoice.id)
    # the route refuses (403: purchase invoices are not sent) and the fault turns that answer into a 500
    control.fault(kind="error_after_commit", path=r"/send$", method="PUT", count=1)
    with pytest.raises(ProcountorForbidden) as info:
        client.invoices.send(invoice.id)
    assert "status RECEIVED" in info.value.message
    sent = action_log(control, invoice.id, "send", 1)
    assert [(e["status"], e["committed_status"]) for e in sent] == [(500, 403)]


def test_every_purchase_action_is_confirmed_once_after_a_fault(client, control):
    invoice = client.invoices.create(new_invoice("ACT-WALK", "PURCHASE_INVOICE"))
    steps = [
        ("sendToCirculation", client.invoices.send_to_circulation, "RECEIVED"),
        ("verify", client.invoices.verify, "VERIFIED"),
        ("reject", client.invoices.reject, "PAYMENT_DENIED"),
        ("unfinished", client.invoices.unfinished, "UNFINISHED"),
        ("sendToCirculation", client.invoices.send_to_circulation, "RECEIVED"),
        ("approve", client.invoices.approve, "APPROVED"),
        ("invalidate", client.invoices.invalidate, "INVALIDATED"),
    ]
    for action, call, target in steps:
        before = len(action_log(control, invoice.id, action, 0))
        control.fault(kind="error_after_commit", path=f"/{action}$", method="PUT", count=1)
        result = call(invoice.id)
        assert (result.action, result.status, result.looked_up, result.sends) == (action, target, True, 1), action
        assert len(action_log(control, invoice.id, action, before + 1)) == before + 1, action
    assert client.invoices.get(invoice.id).status == "INVALIDATED"


def test_set_dimensions_is_safe_to_repeat(client, control):
    invoice = client.invoices.create(new_invoice("DIM-REPEAT"))
    receipt = client.ledger_receipts.get(invoice.ledger_receipt_id)
    entry = next(t for t in receipt.transactions if t.transaction_type == "ENTRY")
    dim = client.dimensions()[0]
    items = [i for i in dim.items if i.active][:2]
    half = abs(entry.accounting_value) / 2
    values = [DimensionItemValue(dimension_id=dim.id, item_id=i.id, value=half) for i in items]
    control.fault(kind="error_after_commit", path=r"/dimensions$", method="PUT", count=1)
    client.ledger_receipts.set_dimensions(receipt.id, entry.id, values)
    path = f"/api/ledgerreceipts/{receipt.id}/transactions/{entry.id}/dimensions"
    assert statuses(control.log(), "PUT", path) == [500, 200]  # committed, answered 500, sent again
    saved = next(t for t in client.ledger_receipts.get(receipt.id).transactions if t.id == entry.id)
    assert [(v.item_id, v.value) for v in saved.dimension_item_values] == [(i.id, half) for i in items]


# --- redaction ---------------------------------------------------------------------------------------------------


def test_no_secret_api_key_or_token_in_logs_or_error_texts(sandbox, control, caplog):
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    with make_client(sandbox) as c:
        c.company()
        control.revoke()
        c.company()
        control.fault(kind="error_after_commit", path="^/api/invoices$", method="POST", count=1)
        for call in (lambda: c.invoices.create(new_invoice("RED-1")), lambda: c.invoices.get(424242)):
            try:
                call()
            except Exception as exc:
                texts.append(str(exc))
                texts.append(repr(exc))
        token = c.auth._token
    with make_client(sandbox, api_key="wrong-api-key-123") as bad:
        try:
            bad.company()
        except ProcountorUnauthorized as exc:
            texts.append(str(exc))
    assert token and len(texts) >= 3
    logged = [r.getMessage() for r in caplog.records]
    assert logged
    for secret in (SECRET, API_KEY, token, "wrong-api-key-123"):
        assert not any(secret in line for line in logged), secret
        assert not any(secret in t for t in texts), secret


# --- contract: parsed responses re-serialize into valid YAML shapes ------------------------------------------------


def test_parsed_responses_round_trip_into_valid_yaml_shapes(client, control, yaml_schema_errors):
    schema_errors = yaml_schema_errors
    invoice = client.invoices.create(new_invoice("CONTRACT-1"))
    assert schema_errors("Invoice", client.invoices.get(invoice.id).to_wire()) == []
    hits = [h.to_wire() for h in client.invoices.search()]
    assert schema_errors("InvoiceSearchResult", {"results": hits, "meta": {"pageNumber": 0}}) == []
    assert schema_errors("LedgerReceipt", client.ledger_receipts.get(invoice.ledger_receipt_id).to_wire()) == []
    assert schema_errors("Company", client.company().to_wire()) == []
    coa = {"ledgerAccounts": [a.to_wire() for a in client.chart_of_accounts()]}
    assert schema_errors("LedgerAccounts", coa) == []
    assert all(schema_errors("Dimension", d.to_wire()) == [] for d in client.dimensions())
    assert schema_errors("VatInformation", client.vats_default().to_wire()) == []
    assert schema_errors("FiscalYears", {"fiscalYears": [f.to_wire() for f in client.fiscal_years()]}) == []
    person = client.person(next(iter(client.persons())).id)
    assert schema_errors("Person", person.to_wire()) == []
