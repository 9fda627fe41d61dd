"""The report UI's outbound section over real HTTP on loopback, on a real SQLite ledger holding a run record written
the way the outbound DAG's report task writes it: the page and its JSON show the stored report (counts, number map,
every code explained in Finnish and English), escaped."""

from __future__ import annotations

import pytest
import requests
from markupsafe import escape

from sandboxes.runner import serve_in_thread
from taimer_procountor.errors import lookup
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.report_ui import create_app
from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem

XSS = "<b>bold</b>"


@pytest.fixture
def server(sqlite_url):
    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    summary = FlowSummary(
        flow="outbound",
        dag_id="taimer_to_procountor",
        run_id="manual__1",
        outcome=Outcome.PARTIAL,
        kinds=(KindCounts("sales_invoice", {"extracted": 3, "created": 2, "invalid": 1}),),
        errors=(Problem("OUTBOUND_UPDATE_CONFLICT", "sales_invoice:10002", detail=XSS),),
        details={
            "number_map": {"sales_invoice:10001": {"procountor_id": 501, "procountor_number": "7001"}},
            "attachments": {"moved": 2, "refused": 0, "not_moved": 1},
        },
    )
    ledger.runs.start_run("taimer_to_procountor", "manual__1", "outbound")
    ledger.runs.finish_run(
        "taimer_to_procountor", "manual__1", "outbound", "partial", counts=summary.to_json(), errors=[]
    )
    running = serve_in_thread(create_app(lambda: ledger))
    yield running
    running.stop()
    ledger.dispose()


def test_outbound_report_json_is_the_stored_summary_with_codes_explained(server):
    body = requests.get(f"{server.base_url}/api/outbound/report", timeout=10).json()
    [report] = body["reports"]
    assert report["summary"]["kinds"] == [
        {"kind": "sales_invoice", "counts": {"extracted": 3, "created": 2, "invalid": 1}}
    ]
    assert report["numbers"] == [
        {"taimer": "10001", "kind": "sales_invoice", "procountor_id": 501, "procountor_number": "7001"}
    ]
    [explained] = body["explained"]
    assert explained["code"] == "OUTBOUND_UPDATE_CONFLICT" and explained["fi"] == lookup(explained["code"]).fi


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_outbound_page_shows_counts_numbers_and_texts_in_the_language(server, lang):
    page = requests.get(f"{server.base_url}/outbound", params={"lang": lang}, timeout=10).text
    entry = lookup("OUTBOUND_UPDATE_CONFLICT")
    assert str(escape(getattr(entry, lang))) in page
    assert "7001" in page and "10001" in page and "<td>2</td>" in page
    assert XSS not in page and str(escape(XSS)) in page
