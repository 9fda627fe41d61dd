"""Approvals that Procountor refuses for a cause that can change (``UNFINISHED``; a 403 for rights from
``RECEIVED``) stay queued and are tried again each run; Taimer hears of the refusal once; once the cause is gone the
approval goes through exactly once. Library level (``inbound.approvals``) over real HTTP to both sandboxes and a
real ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
import requests

from sandboxes.demo import program as demo
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.events import ProcountorEvents
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.datasets import default_dataset
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.inbound.approvals import push_approvals
from taimer_procountor.inbound.bills import load_bills
from taimer_procountor.inbound.extract import BILLS_FLOW, window_for
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.taimer.rest import TaimerRestAdapter

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request) -> str:
    """The same protocol on both backends (PostgreSQL skips with its reason when it is not reachable)."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def test_refusals_that_can_change_stay_queued_and_go_through_once(ledger_url: str) -> None:
    dataset = default_dataset()
    dataset.bills = [b for b in dataset.bills if b.procountor_id is None]
    client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    migrate(ledger_url)
    ledger = connect(ledger_url)
    with (
        serve_in_thread(procountor_app(ProcountorSandboxSettings())) as pc,
        serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=dataset))) as tm,
        ProcountorClient(ProcountorSettings(f"{pc.base_url}/api", client_id, secret, api_key)) as client,
    ):
        taimer = TaimerRestAdapter(requests.Session(), f"{tm.base_url}/api/v1", demo.TAIMER_API_KEY)
        events = ProcountorEvents(pc.base_url)
        waiting = events.receive(project_number="P-100", supplier_invoice_number="501")["id"]
        rights = events.receive(project_number="P-100", supplier_invoice_number="502")["id"]
        load_bills(ledger, client, taimer, window_for(ledger, BILLS_FLOW))
        events.act(waiting, "unfinished")  # a person took it back in Procountor
        for invoice_id in (waiting, rights):
            requests.patch(
                f"{tm.base_url}/_control/documents/bill/bill-p{invoice_id}",
                json={"approval_state": "approve_in_procountor", "approved_at": "2026-12-01T10:00:00+00:00"},
                timeout=10,
            ).raise_for_status()
        # the API user lacks the approval right for now: Procountor answers 403 (twice: this run and the next)
        requests.post(
            f"{pc.base_url}/_control/faults",
            json={"kind": "error_before_commit", "status": 403, "method": "PUT",
                  "path": f"^/api/invoices/{rights}/approve$", "count": 2},
            timeout=10,
        ).raise_for_status()  # fmt: skip

        first = push_approvals(ledger, client, taimer)
        assert dict(first.counts) == {"extracted": 2, "waiting": 2}
        assert sorted(p.code for p in first.errors) == [
            "INBOUND_APPROVAL_FORBIDDEN",
            "INBOUND_APPROVAL_NOT_IN_CIRCULATION",
        ]
        bills = {
            b["procountor_id"]: b for b in requests.get(f"{tm.base_url}/_control/state", timeout=10).json()["bills"]
        }
        for invoice_id, code in (
            (waiting, "INBOUND_APPROVAL_NOT_IN_CIRCULATION"),
            (rights, "INBOUND_APPROVAL_FORBIDDEN"),
        ):
            assert bills[invoice_id]["approval_state"] == "approve_in_procountor"  # still queued
            assert [e["code"] for e in bills[invoice_id]["integration"]["errors"]] == [code]

        # the next run tries both again, reports them again, and does not tell Taimer the same thing twice
        before = len(demo.request_log(tm.base_url))
        second = push_approvals(ledger, client, taimer)
        assert dict(second.counts) == {"extracted": 2, "waiting": 2}
        assert [e for e in demo.request_log(tm.base_url)[before:] if e["method"] in WRITES] == []

        # the causes are gone: each goes through exactly once
        events.act(waiting, "sendToCirculation")
        third = push_approvals(ledger, client, taimer)
        assert dict(third.counts) == {"extracted": 2, "pushed": 2}
        assert dict(push_approvals(ledger, client, taimer).counts) == {}
        approves = [(e["path"], e["status"]) for e in demo.request_log(pc.base_url) if e["path"].endswith("/approve")]
        assert approves == [
            (f"/api/invoices/{rights}/approve", 403),
            (f"/api/invoices/{rights}/approve", 403),
            (f"/api/invoices/{waiting}/approve", 200),
            (f"/api/invoices/{rights}/approve", 200),
        ]
        state = requests.get(f"{pc.base_url}/_control/state", timeout=10).json()
        assert {i["id"]: i["status"] for i in state["invoices"]} == {waiting: "APPROVED", rights: "APPROVED"}
    ledger.dispose()
