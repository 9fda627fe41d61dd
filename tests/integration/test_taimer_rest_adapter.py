"""What is specific to ``TaimerRestAdapter``, against the Taimer sandbox over real HTTP on loopback.

The behaviour every implementation shares (each Protocol method, paging results, write-back, idempotent upserts,
reference counts) is checked by the conformance suite in tests/integration/taimer_conformance/, which runs against
this class too. Here: one page per request and the query sent, chunking and streaming of attachment content, fault
handling (retried GETs and idempotent PUTs, a typed error for the non-idempotent PATCH), auth errors, and that the
API key never shows up in logs, exception texts or the sandbox's request log.
"""

from __future__ import annotations

import hashlib
import logging
import time
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
import requests

from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.seed.attachments import iter_blob
from sandboxes.taimer import TaimerSandboxSettings, create_app
from sandboxes.taimer.datasets import default_dataset, paging_dataset
from taimer_procountor.http import RetryPolicy, Timeouts
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import (
    TaimerAuthError,
    TaimerNotFoundError,
    TaimerOutcomeUnknownError,
)
from taimer_procountor.taimer.models import (
    Attachment,
    BillUpsert,
    DocumentKind,
    IntegrationUpdate,
    Supplier,
    SyntheticBlob,
)
from taimer_procountor.taimer.rest import TaimerRestAdapter

API_KEY = "tmr-key-7f3a9c51e2b84d06"  # distinctive, so a leak is easy to spot
FAST_RETRY = RetryPolicy(max_attempts=4, initial_backoff=0.01, max_backoff=0.05, jitter=0.0)


@pytest.fixture(scope="module")
def taimer_sandbox() -> Iterator[RunningServer]:
    with serve_in_thread(create_app(TaimerSandboxSettings(api_key=API_KEY))) as server:
        yield server


@pytest.fixture
def sandbox(taimer_sandbox: RunningServer) -> RunningServer:
    requests.post(taimer_sandbox.base_url + "/_control/reset", timeout=5).raise_for_status()
    return taimer_sandbox


def make_adapter(server: RunningServer, api_key: str = API_KEY, **kwargs) -> TaimerRestAdapter:
    kwargs.setdefault("retry", FAST_RETRY)
    kwargs.setdefault("timeouts", Timeouts(connect=2, read=5))
    kwargs.setdefault("rate_per_second", 200)
    return TaimerRestAdapter(requests.Session(), server.base_url + "/api/v1", api_key, **kwargs)


@pytest.fixture
def taimer(sandbox: RunningServer) -> TaimerRestAdapter:
    return make_adapter(sandbox)


def control(server: RunningServer, method: str, path: str, **kwargs):
    response = requests.request(method, server.base_url + "/_control" + path, timeout=10, **kwargs)
    response.raise_for_status()
    return response.json()


def api_requests(server: RunningServer, path_part: str, *, at_least: int = 0) -> list[dict]:
    """The sandbox's log entries for ``path_part``. A streamed answer is logged when its last chunk has gone out,
    which can be just after the client read it: ``at_least`` waits (briefly) for that many entries."""
    deadline = time.monotonic() + 5
    while True:
        entries = [r for r in control(server, "GET", "/requests") if path_part in r["path"]]
        if len(entries) >= at_least or time.monotonic() > deadline:
            return entries
        time.sleep(0.02)


# --------------------------------------------------------------------------------------------- REST specifics


def test_taimer_rest_adapter_satisfies_the_protocol(taimer: TaimerRestAdapter) -> None:
    assert isinstance(taimer, TaimerAdapter)
    assert "/api/v1" in repr(taimer) and API_KEY not in repr(taimer)


def test_taimer_rest_paging_fetches_one_page_per_request(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    dataset = paging_dataset(30)  # every sixth invoice already transferred: 25 ready
    control(sandbox, "POST", "/fixture", json=dataset.model_dump(mode="json"))

    got = [s.id for s in taimer.iter_ready(DocumentKind.SALES_INVOICE, page_size=7)]

    assert len(got) == 25
    listing_calls = [r for r in api_requests(sandbox, "/sales-invoices") if r["method"] == "GET"]
    assert len(listing_calls) == 4  # 7 + 7 + 7 + 4
    assert all("limit=7" in r["query"] and "sync_state=ready" in r["query"] for r in listing_calls)
    assert ["cursor=" in r["query"] for r in listing_calls] == [False, True, True, True]


def test_taimer_rest_changed_since_naive_is_sent_as_utc(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    assert len(list(taimer.iter_changed_since(DocumentKind.BILL, datetime(2000, 1, 1)))) == 2
    (call,) = api_requests(sandbox, "/bills")
    assert "changed_since=2000-01-01T00%3A00%3A00%2B00%3A00" in call["query"]


def test_taimer_rest_attachment_chunks_are_cut_at_chunk_size(taimer: TaimerRestAdapter) -> None:
    chunks = list(taimer.iter_attachment_content("att-1", chunk_size=1000))
    assert b"".join(chunks).startswith(b"%PDF-")
    assert [len(c) for c in chunks] == [1000, 1000, 1000, 1000, 96]


def test_taimer_rest_attachment_over_10mb_streams_in_bounded_chunks(
    sandbox: RunningServer, taimer: TaimerRestAdapter
) -> None:
    size = 12_345_678  # over Procountor's 10,000,000-byte limit: the sync must be able to look at it and refuse it
    dataset = default_dataset()
    big = Attachment(id="att-big", name="skannaus.pdf", size=size, mime_type="application/pdf")
    dataset.sales_invoices[0].attachments.append(big)
    dataset.attachment_blobs["att-big"] = SyntheticBlob(kind="pdf", size=size, seed=99)
    control(sandbox, "POST", "/fixture", json=dataset.model_dump(mode="json"))
    expected = hashlib.sha256()
    for part in iter_blob(dataset.attachment_blobs["att-big"], 1 << 16):
        expected.update(part)
    chunk_size = 256 * 1024

    digest, total, largest, chunks = hashlib.sha256(), 0, 0, 0
    tracemalloc.start()
    try:
        for chunk in taimer.iter_attachment_content("att-big", chunk_size=chunk_size):
            digest.update(chunk)
            total += len(chunk)
            largest = max(largest, len(chunk))
            chunks += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total == size
    assert largest <= chunk_size
    assert chunks >= size // chunk_size
    assert digest.hexdigest() == expected.hexdigest()
    # Memory stays flat: the old whole-body read peaked above the attachment's size. This process also runs the
    # sandbox (serve_in_thread), so the bound leaves room for its buffers too.
    assert peak < size // 3, f"peak {peak:,} bytes while streaming {size:,}"


def test_taimer_rest_attachment_stream_error_answer_is_retried_then_typed(
    sandbox: RunningServer, taimer: TaimerRestAdapter
) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "error_before_commit", "path": "/att-1/content$", "nth": 1})
    assert len(b"".join(taimer.iter_attachment_content("att-1"))) == 4096
    assert [r["status"] for r in api_requests(sandbox, "/att-1/content", at_least=2)] == [503, 200]
    with pytest.raises(TaimerNotFoundError):
        list(taimer.iter_attachment_content("no-such-attachment"))


# --------------------------------------------------------------------------------------------- faults


def _inbound(procountor_id: int) -> BillUpsert:
    return BillUpsert(
        procountor_id=procountor_id,
        procountor_status="RECEIVED",
        supplier=Supplier(name="Sähkö Oy", business_id="2222222-2"),
        invoice_date=date(2025, 3, 1),
        due_date=date(2025, 3, 31),
        total_gross=Decimal("251.00"),
    )


def test_taimer_injected_5xx_on_get_is_retried(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "error_before_commit", "path": "/company$", "count": 2})

    company = taimer.get_company_settings()

    assert company.name == "Esimerkki Oy"
    statuses = [r["status"] for r in api_requests(sandbox, "/company")]
    assert statuses == [503, 503, 200]


def test_taimer_dropped_connection_and_html_500_on_get_are_retried(
    sandbox: RunningServer, taimer: TaimerRestAdapter
) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "drop_after_commit", "path": "/customers/c-1$", "nth": 1})
    control(sandbox, "POST", "/faults", json={"kind": "html_500", "path": "/projects$", "nth": 1})
    control(sandbox, "POST", "/faults", json={"kind": "rate_limit", "path": "/users$", "nth": 1, "seconds": 0})

    assert taimer.get_customer("c-1").name == "Asiakas Oy"
    assert len(list(taimer.iter_projects())) == 2
    assert len(list(taimer.iter_users())) == 3
    fired = control(sandbox, "GET", "/stats")["faults_fired"]
    assert fired == {"drop_after_commit": 1, "html_500": 1, "rate_limit": 1}


def test_taimer_fault_on_non_idempotent_write_back_is_typed(sandbox: RunningServer, taimer: TaimerRestAdapter) -> None:
    control(sandbox, "POST", "/faults", json={"kind": "error_after_commit", "path": "/integration$", "method": "PATCH"})

    with pytest.raises(TaimerOutcomeUnknownError) as info:
        taimer.write_back(DocumentKind.BILL, "b-1", IntegrationUpdate(procountor_id=123))

    assert info.value.retryable is True
    assert "PATCH" in str(info.value)
    patches = [r for r in api_requests(sandbox, "/integration") if r["method"] == "PATCH"]
    assert len(patches) == 1  # not retried blindly
    # the sandbox committed before failing: the outcome really was unknown to the client
    bill = next(b for b in control(sandbox, "GET", "/state")["bills"] if b["id"] == "b-1")
    assert bill["integration"]["procountor_id"] == 123


def test_taimer_timeout_on_idempotent_upsert_is_retried_without_duplicates(sandbox: RunningServer) -> None:
    taimer = make_adapter(sandbox, timeouts=Timeouts(connect=2, read=0.5))
    control(
        sandbox,
        "POST",
        "/faults",
        json={"kind": "timeout_after_commit", "path": "/by-procountor-id/", "nth": 1, "seconds": 1.5},
    )

    result = taimer.upsert_bill(_inbound(90003))

    assert result.created is False  # the first, timed-out attempt had created it
    assert len([b for b in control(sandbox, "GET", "/state")["bills"] if b["procountor_id"] == 90003]) == 1


# --------------------------------------------------------------------------------------------- auth and secrets


def test_taimer_wrong_api_key_is_a_clear_auth_error(sandbox: RunningServer) -> None:
    wrong = "tmr-wrong-key-0c6d1f2e9b"
    taimer = make_adapter(sandbox, api_key=wrong)
    with pytest.raises(TaimerAuthError) as info:
        taimer.get_company_settings()
    text = str(info.value)
    assert info.value.code == "TAIMER_UNAUTHORIZED"
    assert "API key" in text and "401" in text
    assert wrong not in text
    assert len(api_requests(sandbox, "/company")) == 1  # auth errors are not retried

    with pytest.raises(TaimerAuthError):
        make_adapter(sandbox, api_key="")


def test_taimer_api_key_absent_from_logs_and_errors(sandbox: RunningServer, caplog: pytest.LogCaptureFixture) -> None:
    taimer = make_adapter(sandbox)
    control(sandbox, "POST", "/faults", json={"kind": "error_before_commit", "path": "/company$"})  # always fails
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    try:
        taimer.get_company_settings()
    except Exception as exc:
        texts.extend([str(exc), repr(exc)])
    control(sandbox, "DELETE", "/faults")
    control(sandbox, "POST", "/faults", json={"kind": "error_after_commit", "path": "/integration$"})
    try:
        taimer.write_back(DocumentKind.BILL, "b-1", IntegrationUpdate(procountor_id=2))
    except Exception as exc:
        texts.append(str(exc))

    assert len(texts) == 3
    assert any("retrying" in r.getMessage() for r in caplog.records)  # the retries were logged
    everything = "\n".join(texts + [r.getMessage() for r in caplog.records] + [caplog.text, repr(taimer)])
    assert API_KEY not in everything
    request_log = str(control(sandbox, "GET", "/requests"))
    assert API_KEY not in request_log
