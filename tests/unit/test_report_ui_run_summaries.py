"""The report page's runs, drawn from each run's stored ``FlowSummary`` over real HTTP on loopback against a real
SQLite ledger: root cause first, "did not run" for the steps after it, one counts table per run, notices, retries
with their attempts and codes, links to Airflow's run and task pages under a sub-path, the login redirect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import requests
from fastapi import Depends, FastAPI, Header, HTTPException

from sandboxes.runner import serve_in_thread
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.report_ui import create_app
from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem, StepFailure

DAG = "procountor_reference_sync"
FLOW = "reference_sync"
T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
FAILED_RUN = "manual__2026-03-02T01:30:00+00:00"
PARTIAL_RUN = "scheduled__2026-03-01"
NOT_RUN = ("check_bank_accounts", "push_reference[accounts]", "push_reference[products]")


def _partial() -> FlowSummary:
    return FlowSummary(
        flow=FLOW,
        dag_id=DAG,
        run_id=PARTIAL_RUN,
        outcome=Outcome.PARTIAL,
        kinds=(
            KindCounts("Procountor products", {"extracted": 12, "unchanged": 11, "invalid": 1, "added": 1}),
            KindCounts("Taimer products", {"extracted": 11, "created": 1, "updated": 2, "unchanged": 8}),
        ),
        errors=(Problem("REFERENCE_BANK_ACCOUNT_MISMATCH", "bank_accounts", detail="FI74 **** 4677"),),
        notices=(Problem("REFERENCE_PERSON_UNMATCHED", "person_ids", detail="person ids [801]"),),
    )


def _failed() -> FlowSummary:
    return FlowSummary(
        flow=FLOW,
        dag_id=DAG,
        run_id=FAILED_RUN,
        outcome=Outcome.FAILED,
        failed_steps=(StepFailure("fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", "GET /company -> 503", attempts=3),),
        did_not_run=NOT_RUN,
    )


@pytest.fixture
def ledger(sqlite_url):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    partial = _partial()
    led.runs.start_run(DAG, PARTIAL_RUN, FLOW, now=T0 - timedelta(days=1))
    # the bank check failed once, then went through on its second try
    led.runs.record_step_error(DAG, PARTIAL_RUN, FLOW, "check_bank_accounts", "TAIMER_UNAVAILABLE", "503", try_number=1)
    led.runs.finish_run(
        DAG, PARTIAL_RUN, FLOW, "partial", counts=partial.to_json(), errors=[e.to_json() for e in partial.errors]
    )
    failed = _failed()
    led.runs.start_run(DAG, FAILED_RUN, FLOW, now=T0)
    for try_number in (1, 2, 3):
        led.runs.record_step_error(
            DAG, FAILED_RUN, FLOW, "fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", "503", try_number=try_number
        )
    led.runs.finish_run(
        DAG,
        FAILED_RUN,
        FLOW,
        "failed",
        counts=failed.to_json(),
        errors=[f.to_json() for f in failed.failed_steps],
        now=T0 + timedelta(seconds=40),
    )
    yield led
    led.dispose()


def _page(base: str, path: str = "/?lang=en", **kwargs) -> str:
    resp = requests.get(base + path, timeout=10, **kwargs)
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
    return resp.text


def test_failed_run_names_its_root_cause_first_and_the_rest_did_not_run(ledger):
    with serve_in_thread(create_app(lambda: ledger), health_path="/health") as server:
        page = _page(server.base_url)
        runs = requests.get(server.base_url + "/api/runs", timeout=10).json()["runs"]
    latest = page[page.index('id="latest"') : page.index('id="runs"')]
    cause = latest.index("Root cause")
    box = latest[cause : latest.index("</div>", cause)]
    assert "<code>PROCOUNTOR_SERVER_ERROR</code>" in box and "<code>fetch_snapshot</code>" in box  # the real cause
    assert "failed on attempt 3" in box and "GET /company -&gt; 503" in box
    not_run = latest[latest.index("Did not run (upstream failed)") :]
    assert all(f"<code>{step}</code>" in not_run for step in NOT_RUN)
    assert "REFERENCE_STEP_FAILED" not in page  # the steps that never ran are not failures of their own
    # a transient fault that outlasted every retry: the text says what to do, never "nothing to do"
    assert "outlasted every retry" in latest
    codes = page[page.index('id="codes"') :]
    row = codes[codes.index("<code>PROCOUNTOR_SERVER_ERROR</code>") :].split("</tr>")[0]
    assert "Nothing to do" not in row and "outlasted every retry" in row
    # retries with their attempts and codes: three failed tries, never "Attempts 1"
    assert "attempt 1, 2, 3 failed" in latest and "Attempts" not in latest
    failed = next(r for r in runs if r["run_id"] == FAILED_RUN)
    assert failed["retries"] == [
        {
            "step": "fetch_snapshot",
            "tries": [1, 2, 3],
            "codes": ["PROCOUNTOR_SERVER_ERROR"],
            "detail": "503",
            "attempts": 3,
        }
    ]
    assert FlowSummary.from_json(failed["counts"]) == _failed()  # the JSON carries the summary as stored
    assert failed["summary"]["did_not_run"] == list(NOT_RUN)


def test_partial_run_shows_a_counts_table_errors_notices_and_a_retry_that_succeeded(ledger):
    with serve_in_thread(create_app(lambda: ledger), health_path="/health") as server:
        page = _page(server.base_url, "/?lang=en&limit=1")  # only the newest run: the partial one is then
        page_all = _page(server.base_url)
        fi = _page(server.base_url, "/?lang=fi")
    assert PARTIAL_RUN not in page
    # not the newest run of its flow: in the run history, its headline in its row, the rest folded below it
    article = page_all[page_all.index(f'id="run-{DAG}-{PARTIAL_RUN}"') :].split("</details>")[0]
    assert '<td class="headline-cell">reference_sync: PARTIAL; ' in article
    table = article[article.index('<table class="counts">') : article.index("</table>")]
    headers = [h.split(">")[-1] for h in table.split("</th>") if 'scope="col"' in h]
    assert headers == ["Kind", "read", "created", "updated", "unchanged", "invalid", "added"]
    row = table[table.index("Taimer products") :].split("</tr>")[0]
    assert [c.split(">")[-1] for c in row.split("</td>")[:-1]] == ["11", "1", "2", "8", "0", "0"]
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in article and "FI74 **** 4677" in article
    notices = article[article.index("Notices (1)") :]
    assert "REFERENCE_PERSON_UNMATCHED" in notices and "person ids [801]" in notices
    retry = article[article.index("Retries") :]
    assert "<code>check_bank_accounts</code>" in retry and "attempt 1 failed" in retry
    assert "TAIMER_UNAVAILABLE" in retry and "succeeded on attempt 2" in retry
    assert "luettu" in fi and "Huomautukset (1)" in fi and "Juurisyy" in fi and "Ei ajettu" in fi


def test_runs_link_to_airflow_run_and_task_pages_under_a_sub_path(ledger):
    """Mounted as the api-server mounts plugins, under ``[api] base_url``'s path ``/airflow``: the page's own links
    carry the mount path, the Airflow links carry ``/airflow`` (Airflow 3's UI routes), and open outside the iframe."""
    parent = FastAPI(root_path="/airflow")
    parent.mount("/taimer-procountor", create_app(lambda: ledger, airflow_root=lambda: "/airflow"))
    with serve_in_thread(parent) as server:
        page = _page(server.base_url, "/airflow/taimer-procountor/?lang=en")
    assert 'href="/airflow/taimer-procountor/catalogue?lang=en"' in page
    run = f"/airflow/dags/{DAG}/runs/{quote(FAILED_RUN, safe='/')}"
    assert f'<a href="{run}" target="_top" class="airflow-run">' in page
    assert f'<a href="{run}/tasks/fetch_snapshot" target="_top"' in page  # the failed task's log
    partial_run = f"/airflow/dags/{DAG}/runs/{PARTIAL_RUN}"
    assert f'<a href="{partial_run}/tasks/check_bank_accounts" target="_top"' in page  # the retried task


def test_logged_out_pages_go_to_the_login_page_and_json_keeps_401(ledger):
    def need_key(x_key: str | None = Header(None)) -> None:
        if x_key != "let-me-in":
            raise HTTPException(401, "Not authenticated")

    app = create_app(
        lambda: ledger,
        dependencies=[Depends(need_key)],
        login_url=lambda request: "/auth/login?next=" + quote(request.url.path, safe=""),
    )
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    with serve_in_thread(app, health_path="/health") as server:
        for path in ("/", "/catalogue"):
            resp = requests.get(server.base_url + path, headers=browser, allow_redirects=False, timeout=10)
            assert resp.status_code == 303, path
            assert resp.headers["location"] == "/auth/login?next=" + quote(path, safe="")
        for path in ("/api/runs", "/api/catalogue"):
            resp = requests.get(server.base_url + path, headers=browser, allow_redirects=False, timeout=10)
            assert resp.status_code == 401 and resp.json() == {"detail": "Not authenticated"}, path
        # a script asking for the page without wanting HTML gets the 401 too
        assert requests.get(server.base_url + "/", allow_redirects=False, timeout=10).status_code == 401
        assert "Root cause" in _page(server.base_url, headers={"X-Key": "let-me-in"})
