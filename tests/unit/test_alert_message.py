"""The alert's text from a ``FlowSummary``, without Airflow: subject, root cause, errors with their catalogue text,
counts table, links; secrets masked and data escaped."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

from taimer_procountor.alert_message import MAX_LISTED, build_alert, needs_alert
from taimer_procountor.errors import lookup
from taimer_procountor.redaction import register_secret
from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem, StepFailure

REPORT_URL = "https://airflow.example.fi/taimer-procountor/?lang=en#run-dag-run1"
RUN_URL = "https://airflow.example.fi/dags/dag/runs/run1"


def summary(**kw) -> FlowSummary:
    base = {
        "flow": "outbound",
        "dag_id": "taimer_to_procountor",
        "run_id": "manual__2026-12-02",
        "outcome": Outcome.PARTIAL,
        "kinds": (
            KindCounts("sales_invoices", {"extracted": 12, "created": 10, "invalid": 2}),
            KindCounts("bills", {"extracted": 4, "unchanged": 4}),
        ),
        "errors": (Problem("REFERENCE_BANK_ACCOUNT_MISMATCH", "bank_accounts", detail="FI21 1234 5600 0007 85"),),
    }
    base.update(kw)
    return FlowSummary(**base)


class Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: dict[str, str] = {}
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag == "a":
            self._href = dict(attrs)["href"]

    def handle_data(self, data):
        if self.rows and self.lasttag in ("td", "th"):
            self.rows[-1].append(data)
        if self._href:
            self.links[data] = self._href
            self._href = None


def parse(html: str) -> Cells:
    cells = Cells()
    cells.feed(html)
    return cells


def test_only_partial_and_failed_runs_alert() -> None:
    assert needs_alert(summary()) and needs_alert(summary(outcome=Outcome.FAILED))
    assert not needs_alert(summary(outcome=Outcome.SUCCESS, errors=()))


def test_subject_is_the_headline_and_the_body_has_errors_counts_and_links() -> None:
    s = summary()
    message = build_alert(s, report_url=REPORT_URL, run_url=RUN_URL)
    assert message.subject == f"[Taimer ⇄ Procountor] {s.headline()}"
    assert "outbound: PARTIAL" in message.subject and "1 error(s), first REFERENCE_BANK_ACCOUNT_MISMATCH" in (
        message.subject
    )
    assert escape(lookup("REFERENCE_BANK_ACCOUNT_MISMATCH").fix_en) in message.html
    cells = parse(message.html)
    assert cells.rows == [
        ["kind", "extracted", "created", "unchanged", "invalid"],
        ["sales_invoices", "12", "10", "0", "2"],
        ["bills", "4", "0", "4", "0"],
    ]
    assert cells.links == {
        "The run on the Taimer ⇄ Procountor report page": REPORT_URL,
        "The run in Airflow": RUN_URL,
    }


def test_a_failed_run_names_its_root_cause_without_the_transient_fix() -> None:
    s = summary(
        outcome=Outcome.FAILED,
        failed_steps=(StepFailure("fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", "GET /company -> 503", attempts=3),),
    )
    html = build_alert(s, report_url=REPORT_URL).html
    root = html[html.index("Root cause") : html.index("Errors")]
    assert "fetch_snapshot" in root and "after 3 attempt(s)" in root and "PROCOUNTOR_SERVER_ERROR" in root
    assert escape(lookup("PROCOUNTOR_SERVER_ERROR").fix_en) not in root  # "the run retries" no longer holds
    assert "The run in Airflow" not in html  # no run link given, none drawn


def test_secrets_are_masked_and_data_is_escaped() -> None:
    secret = "alert-test-secret-0b8e7d"
    register_secret(secret)
    s = summary(
        errors=(Problem("TAIMER_SERVER_ERROR", "<script>alert(1)</script>", detail=f"token {secret} refused"),),
        notices=tuple(Problem("REFERENCE_PERSON_UNMATCHED", f"person {i}") for i in range(MAX_LISTED + 5)),
    )
    message = build_alert(s, report_url=REPORT_URL + '"><b>x</b>')
    assert secret not in message.html and secret not in message.subject
    assert "token *** refused" in message.html
    assert "<script>" not in message.html and "&lt;script&gt;" in message.html
    assert '"><b>x</b>' not in message.html
    assert f"person {MAX_LISTED - 1}" in message.html and f"person {MAX_LISTED}<" not in message.html
    assert "… and 5 more" in message.html
