"""Malformed answers from either side: only typed errors come out, and no value of the answer appears in them.

A loopback server (``sandboxes.runner.serve_in_thread``) answers every call of the Procountor client and of the Taimer
REST adapter with one body the test chooses: arbitrary JSON (hypothesis: objects with our field names and with
foreign keys, wrong types, NaN/Infinity, ``1e999999999``, lone surrogates, impossible dates, deep nesting) or
arbitrary bytes. Every call must either succeed or raise a ``ProcountorError`` / ``TaimerError``; the error's text,
and the whole formatted traceback (what ``log.exception`` would print), must hold no string or big number from the
answer. Every string the strategies generate carries the marker ``MARK`` so that any leak is visible.

The examples are derandomized (same examples in CI and here) and few enough to run in seconds.
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer.datasets import default_dataset
from taimer_procountor.http import RetryPolicy
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.procountor.errors import ProcountorError, ProcountorMalformedAnswer, ProcountorPagingRunaway
from taimer_procountor.procountor.models import AttachmentMeta, MarkInvoiceAsPaid
from taimer_procountor.taimer.errors import TaimerError, TaimerMalformedAnswerError, TaimerPagingError
from taimer_procountor.taimer.models import DocumentKind, IntegrationUpdate, ReferenceKind, SyncState
from taimer_procountor.taimer.rest import TaimerRestAdapter

MARK = "☃"
HUGE = "__HUGE_NUMBER__"  # replaced by 1e999999999 in the served text (no float is that large)
TOKEN = "tok-malformed-answers-0123456789"


@dataclass
class Served:
    """What the server answers to every API call (the token endpoint answers a valid token)."""

    body: bytes = b"{}"
    status: int = 200
    content_type: str = "application/json"
    counter: int = 0  # bumped per request; ``{n}`` in the body is replaced by it (fresh cursors and ids)
    headers: dict[str, str] | None = None


SERVED = Served()


async def _health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def _token(request: Request) -> Response:
    return JSONResponse({"access_token": TOKEN, "expires_in": 3600, "token_type": "bearer"})


async def _answer(request: Request) -> Response:
    SERVED.counter += 1
    body = SERVED.body.replace(b"{n}", str(SERVED.counter).encode())
    return Response(body, status_code=SERVED.status, media_type=SERVED.content_type, headers=SERVED.headers)


APP = Starlette(
    routes=[
        Route("/_control/health", _health),
        Route("/api/oauth/token", _token, methods=["POST"]),
        Route("/{path:path}", _answer, methods=["GET", "PUT", "POST", "PATCH", "DELETE"]),
    ]
)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(APP) as running:
        yield running


def _procountor(server: RunningServer, **kwargs: Any) -> ProcountorClient:
    settings_ = ProcountorSettings(
        base_url=f"{server.base_url}/api",
        client_id="malformed-client",
        client_secret="malformed-client-secret-value",
        api_key="malformed-api-key-value",
        rate_per_second=10_000,
        max_attempts=1,
    )
    return ProcountorClient(settings_, retry=RetryPolicy.never(), **kwargs)


def _taimer(server: RunningServer, **kwargs: Any) -> TaimerRestAdapter:
    return TaimerRestAdapter(
        requests.Session(),
        f"{server.base_url}/api/v1",
        "malformed-taimer-api-key",
        rate_per_second=None,
        retry=RetryPolicy.never(),
        **kwargs,
    )


def procountor_calls(client: ProcountorClient) -> list[tuple[str, Callable[[], Any]]]:
    bad_rows: list[Any] = []
    paid = MarkInvoiceAsPaid(payment_date=date(2026, 1, 2), amount=Decimal("10.00"), currency="EUR")
    meta = AttachmentMeta(name="a.pdf", reference_type="INVOICE", reference_id=1, mime_type="application/pdf")
    return [
        ("company", client.company),
        ("chart_of_accounts", client.chart_of_accounts),
        ("chart_of_accounts on_invalid", lambda: client.chart_of_accounts(on_invalid=bad_rows.append)),
        ("dimensions", client.dimensions),
        ("dimensions on_invalid", lambda: client.dimensions(on_invalid=bad_rows.append)),
        ("products", lambda: list(client.products())),
        ("persons", lambda: list(client.persons(on_invalid=bad_rows.append))),
        ("person", lambda: client.person(1)),
        ("vats_default", client.vats_default),
        ("vats_default on_invalid", lambda: client.vats_default(on_invalid=bad_rows.append)),
        ("bank_accounts", lambda: list(client.bank_accounts())),
        ("fiscal_years", client.fiscal_years),
        ("invoices.get", lambda: client.invoices.get(1)),
        ("invoices.search", lambda: list(client.invoices.search(types=["SALES_INVOICE"]))),
        ("invoices.search keyset", lambda: list(client.invoices.search(keyset=True))),
        ("invoices.payment_events", lambda: client.invoices.payment_events(1)),
        ("invoices.approve", lambda: client.invoices.approve(1)),
        ("ledger_receipts.get", lambda: client.ledger_receipts.get(1)),
        ("attachments.get", lambda: client.attachments.get(1)),
        ("invoices.create", lambda: client.invoices.create({"type": "SALES_INVOICE", "status": "UNFINISHED"})),
        ("invoices.mark_paid", lambda: client.invoices.mark_paid(1, paid)),
        ("attachments.upload", lambda: client.attachments.upload(meta, b"%PDF-1.4 test")),
        ("ledger_receipts.set_dimensions", lambda: client.ledger_receipts.set_dimensions(1, 2, [])),
    ]


def taimer_calls(adapter: TaimerRestAdapter) -> list[tuple[str, Callable[[], Any]]]:
    update = IntegrationUpdate(sync_state=SyncState.TRANSFERRED, procountor_id=7)
    return [
        ("company", adapter.get_company_settings),
        ("users", lambda: list(adapter.iter_users())),
        ("customer", lambda: adapter.get_customer("c-1")),
        ("projects", lambda: list(adapter.iter_projects())),
        ("products", lambda: list(adapter.iter_products())),
        ("work_types", lambda: list(adapter.iter_work_types())),
        ("ready", lambda: list(adapter.iter_ready(DocumentKind.SALES_INVOICE))),
        *((f"document {kind.value}", lambda kind=kind: adapter.get_document(kind, "d-1")) for kind in DocumentKind),
        ("write_back", lambda: adapter.write_back(DocumentKind.BILL, "d-1", update)),
        ("approvals", lambda: list(adapter.iter_approvals_to_push())),
        ("write_reference", lambda: adapter.write_reference(ReferenceKind.PRODUCTS, [])),
    ]


# --- what the answers are made of -------------------------------------------------------------------------------

FIELD_NAMES = [
    # envelopes of both APIs
    "items", "next_cursor", "results", "meta", "resultCount", "pageSize", "ledgerAccounts", "fiscalYears",
    "vatInformation", "vatStatuses", "percentages", "country", "access_token", "expires_in", "message",
    # common fields of the models
    "id", "name", "type", "status", "version", "date", "invoiceDate", "dueDate", "rows", "amount", "vatPercent",
    "sales", "purchase", "active", "email", "ledgerAccountCode", "dimensionId", "trackingPeriods", "startDate",
    "endDate", "document_id", "kind", "sync_state", "procountor_id", "customer", "customer_id", "total", "currency",
    "business_id", "invoice_number", "rows", "quantity", "unit_price", "vat_percent", "attachments", "changed_at",
]  # fmt: skip
marked_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(["\ud800", "\udfff", "\x00", '"'])), max_size=12
).map(lambda s: MARK + s)
# Strings that are not the answer's own values but plausible wrong ones: not leak-checked (no marker).
plain_values = st.sampled_from(["2026-02-30", "2026-13-01", "not-a-date", "", "EUR", "SALES_INVOICE", "ready", HUGE])
big_ints = st.integers(min_value=10**9, max_value=10**15) | st.integers(min_value=-(10**15), max_value=-(10**9))
leaves = st.one_of(
    st.none(),
    st.booleans(),
    big_ints,
    st.floats(allow_nan=True, allow_infinity=True),
    marked_text,
    plain_values,
)
keys = st.one_of(st.sampled_from(FIELD_NAMES), marked_text)
json_values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=25,
)
# The top level is usually an object with our field names, so the answers get past the first shape checks.
documents = st.one_of(
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=8),
    json_values,
    st.integers(min_value=65, max_value=400).map(lambda n: "[" * n + "]" * n),  # deep nesting (raw text)
)


def _serialise(document: Any) -> bytes:
    if isinstance(document, str) and document.startswith("["):
        return document.encode()
    text = json.dumps(document, allow_nan=True)  # NaN / Infinity as Python writes them; surrogates as \\udXXX
    return text.replace(f'"{HUGE}"', "1e999999999").encode()


bodies = st.one_of(
    documents.map(_serialise),
    st.binary(max_size=64).map(lambda raw: MARK.encode() + raw),  # arbitrary bytes, not JSON
)


def _secrets_of(document_bytes: bytes) -> list[str]:
    """The strings and big numbers of the served answer that must not appear in any error text."""
    found: list[str] = [MARK]
    try:
        data = json.loads(document_bytes)
    except (ValueError, RecursionError):
        return found
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**9:
            found.append(str(value))
    return found


def _run_all(calls: list[tuple[str, Callable[[], Any]]], typed: tuple[type[Exception], ...], body: bytes) -> list[str]:
    """Run every call; return what went wrong (empty: all calls succeeded or raised a typed, clean error)."""
    wrong = []
    forbidden = _secrets_of(body)
    for name, call in calls:
        try:
            call()
        except typed as exc:
            shown = "".join(traceback.format_exception(exc)) + str(exc) + getattr(exc, "message", "")
            leaked = [value for value in forbidden if value in shown]
            if leaked:
                wrong.append(f"{name}: {type(exc).__name__} shows {leaked[:3]!r} from the answer:\n{shown[-1500:]}")
            code = getattr(exc, "code", None)
            if not code:
                wrong.append(f"{name}: {type(exc).__name__} carries no catalogue code")
        except Exception as exc:
            wrong.append(f"{name}: untyped {type(exc).__name__}: {traceback.format_exc()[-1500:]}")
    return wrong


PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


# Each example runs a few of the calls (drawn too), so that 150 examples cover every call many times in seconds.
CALLS_PER_EXAMPLE = 4
picks = st.lists(st.integers(min_value=0, max_value=99), min_size=CALLS_PER_EXAMPLE, max_size=CALLS_PER_EXAMPLE)


def _picked(calls: list[tuple[str, Callable[[], Any]]], indexes: list[int]) -> list[tuple[str, Callable[[], Any]]]:
    return [calls[i % len(calls)] for i in indexes]


@contextmanager
def _calls_of(
    side: str, server: RunningServer
) -> Iterator[tuple[list[tuple[str, Callable[[], Any]]], type[Exception]]]:
    """The calls of one client and the base class of its typed errors."""
    if side == "procountor":
        with _procountor(server) as client:
            yield procountor_calls(client), ProcountorError
    else:
        yield taimer_calls(_taimer(server)), TaimerError


@pytest.mark.parametrize("side", ["procountor", "taimer"])
@PROPERTY
@given(body=bodies, indexes=picks)
def test_a_client_raises_only_typed_errors_that_quote_nothing(
    server: RunningServer, side: str, body: bytes, indexes: list[int]
) -> None:
    SERVED.body, SERVED.status, SERVED.content_type = body, 200, "application/json"
    with _calls_of(side, server) as (calls, typed):
        wrong = _run_all(_picked(calls, indexes), (typed,), body)
    assert not wrong, "\n\n".join(wrong)


@settings(PROPERTY, max_examples=40)
@given(body=bodies, status=st.sampled_from([400, 401, 403, 404, 409, 422, 429, 500, 503]), indexes=picks)
def test_error_answers_with_arbitrary_bodies_are_typed_errors(
    server: RunningServer, body: bytes, status: int, indexes: list[int]
) -> None:
    """Error answers may quote the server's own error message (that is their point); they must still be typed."""
    SERVED.body, SERVED.status, SERVED.content_type = body, status, "application/json"
    for side in ("procountor", "taimer"):
        with _calls_of(side, server) as (calls, typed):
            for _name, call in _picked(calls, indexes):
                with pytest.raises(typed):
                    call()


# --- the cases the review found, one by one ---------------------------------------------------------------------


def _sales_invoice(**changes: Any) -> dict[str, Any]:
    document = default_dataset().sales_invoices[0].model_dump(mode="json")
    document.update(changes)
    return document


def _dumps(value: Any) -> bytes:
    return json.dumps(value).encode()


# (what the review found, the call, the body) -> the failing field the error must name (None: any).
TAIMER_CASES: dict[str, tuple[str, bytes, str | None]] = {
    "impossible date": ("document", _dumps(_sales_invoice(invoice_date="2026-02-30")), "invoice_date (date_"),
    "NaN": ("document", _dumps(_sales_invoice(total=float("nan"))), None),
    "list for object": ("document", b"[1, 2, 3]", "(answer) (model_type)"),
    "null for object": ("company", b"null", "(answer) (model_type)"),
    "null row in a page": ("users", b'{"items": [null]}', "(answer) (model_type)"),
    "deep nesting": ("users", b"[" * 5000 + b"]" * 5000, None),
    "items null": ("users", b'{"items": null}', None),
    "lone surrogate": ("users", b'{"items": [{"id": "\\ud800", "name": "x"}]}', None),
    "huge number": ("users", b'{"items": [{"id": "u-1", "name": "x", "procountor_person_id": 1e999999999}]}', None),
    "not JSON": ("company", b"<html>502 Bad Gateway</html>", None),
}


@pytest.mark.parametrize("case", sorted(TAIMER_CASES))
def test_each_reviewed_malformed_taimer_answer_is_a_coded_error(server: RunningServer, case: str) -> None:
    call_name, body, field = TAIMER_CASES[case]
    SERVED.body, SERVED.status = body, 200
    adapter = _taimer(server)
    calls = {
        "document": lambda: adapter.get_document(DocumentKind.SALES_INVOICE, "d-1"),
        "company": adapter.get_company_settings,
        "users": lambda: list(adapter.iter_users()),
    }
    with pytest.raises(TaimerMalformedAnswerError) as raised:
        calls[call_name]()
    error = raised.value
    assert error.code == "TAIMER_MALFORMED_ANSWER"
    assert error.__cause__ is None, "the pydantic error (it quotes the answer) must not be chained"
    if field:
        assert field in str(error), str(error)
    for value in ("2026-02-30", "\\ud800", "502 Bad Gateway", "1e999999999"):
        assert value not in "".join(traceback.format_exception(error))


def test_a_repeated_next_cursor_stops_with_a_paging_error(server: RunningServer) -> None:
    SERVED.body, SERVED.status, SERVED.counter = b'{"items": [], "next_cursor": "same"}', 200, 0
    with pytest.raises(TaimerPagingError) as raised:
        list(_taimer(server).iter_users())
    assert raised.value.code == "TAIMER_PAGING_RUNAWAY" and "already seen" in str(raised.value)
    assert SERVED.counter == 2, "the second page's repeated cursor must stop the listing"


def test_runaway_taimer_paging_stops_at_max_pages(server: RunningServer) -> None:
    SERVED.body, SERVED.status, SERVED.counter = b'{"items": [], "next_cursor": "c{n}"}', 200, 0
    with pytest.raises(TaimerPagingError) as raised:
        list(_taimer(server, max_pages=7).iter_users())
    assert "more than 7 pages" in str(raised.value)
    assert SERVED.counter == 7


def test_procountor_search_that_repeats_its_page_stops(server: RunningServer) -> None:
    row = '{"id": 5, "type": "SALES_INVOICE", "status": "UNFINISHED"}'
    SERVED.body = f'{{"results": [{row}], "meta": {{"resultCount": 1, "pageSize": 1}}}}'.encode()
    SERVED.status, SERVED.counter = 200, 0
    with _procountor(server) as client, pytest.raises(ProcountorPagingRunaway) as raised:
        list(client.invoices.search(page_size=1))
    assert raised.value.code == "PROCOUNTOR_PAGING_RUNAWAY" and "repeats" in str(raised.value)
    assert SERVED.counter == 2


def test_procountor_search_stops_at_max_pages(server: RunningServer) -> None:
    SERVED.body = b'{"results": [{"id": {n}}], "meta": {"resultCount": 1}}'
    SERVED.status, SERVED.counter = 200, 0
    with _procountor(server, max_pages=4) as client, pytest.raises(ProcountorPagingRunaway) as raised:
        list(client.invoices.search(page_size=1))
    assert "more than 4 pages" in str(raised.value)
    assert SERVED.counter == 4


@pytest.mark.parametrize(
    "body",
    [b"NaN", b'{"name": NaN}', b"[" * 5000 + b"]" * 5000, b'{"name": "\\udfff"}', b'{"id": 1e999999999}', b"\xff\xfe"],
)
def test_procountor_malformed_company_answers_are_coded(server: RunningServer, body: bytes) -> None:
    SERVED.body, SERVED.status = body, 200
    with _procountor(server) as client, pytest.raises(ProcountorMalformedAnswer) as raised:
        client.company()
    assert raised.value.code == "PROCOUNTOR_MALFORMED_ANSWER" and raised.value.__cause__ is None


@pytest.mark.parametrize("retry_after", ["nan", "1e999", "-5", "soon"])
def test_an_unusable_retry_after_is_no_wait_and_the_429_a_typed_error(server: RunningServer, retry_after: str) -> None:
    SERVED.body, SERVED.status, SERVED.headers = b'{"errors": []}', 429, {"Retry-After": retry_after}
    retry = RetryPolicy(max_attempts=2, initial_backoff=0, jitter=0)
    try:
        with _procountor(server) as client:
            client.transport.retry = retry
            with pytest.raises(ProcountorError) as procountor:
                client.company()
            with pytest.raises(ProcountorError):  # the limiter is still usable after the pause it was asked for
                client.company()
        adapter = TaimerRestAdapter(
            requests.Session(), f"{server.base_url}/api/v1", "malformed-taimer-api-key", retry=retry
        )
        with pytest.raises(TaimerError) as taimer:
            adapter.get_company_settings()
    finally:
        SERVED.headers = None
    assert procountor.value.code == "PROCOUNTOR_RATE_LIMITED" and taimer.value.code == "TAIMER_RATE_LIMITED"
