"""Alerts end to end: a real DAG run (``dag.test()`` in a child process) whose outcome is partial or failed e-mails
its summary, received by an SMTP server on loopback (aiosmtpd) that the ``taimer_procountor_alerts`` connection
points at. Without that connection nothing is sent. The flow here is the outbound one (its report is the shared
``FlowSummary``); the reference DAG is wired the same way."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sandboxes import dag_runner
from sandboxes.demo import program as demo
from sandboxes.runner import free_port
from taimer_procountor.alert_message import SUBJECT_PREFIX
from taimer_procountor.summary import FlowSummary

pytestmark = pytest.mark.slow

SMTP_USER = "alerts-sender"
SMTP_PASSWORD = "smtp-sandbox-only-password-5c1e"
RECIPIENTS = ["data-team@example.fi", "oncall@example.fi"]
FROM = "airflow-alerts@example.fi"
BASE_URL = "http://airflow.example.fi:8080"
DAGS = Path(__file__).resolve().parents[2] / "dags"
REFERENCE_DAG = "procountor_reference_sync.py"
OUTBOUND_DAG = "taimer_to_procountor.py"
FAST_RETRIES = {"TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1"}


@dataclass
class SmtpSink:
    port: int
    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.original_content)))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            ok = (auth_data.login.decode(), auth_data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
            return AuthResult(success=ok)
        return AuthResult(success=False, handled=False)

    def connection_env(self) -> dict[str, str]:
        conn = {
            "conn_type": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "login": SMTP_USER,
            "password": SMTP_PASSWORD,
            "extra": {
                "from_email": FROM,
                "to": RECIPIENTS,
                "disable_tls": True,
                "disable_ssl": True,
                "timeout": 10,
                "retry_limit": 1,
            },
        }
        return {"AIRFLOW_CONN_TAIMER_PROCOUNTOR_ALERTS": json.dumps(conn), "AIRFLOW__API__BASE_URL": BASE_URL}


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(
        sink, hostname="127.0.0.1", port=sink.port, authenticator=sink.authenticate, auth_require_tls=False
    )
    controller.start()
    yield sink
    controller.stop()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href = dict(attrs).get("href")

    def handle_data(self, data):
        self.text.append(data)
        if self._href:
            self.links.append((data, self._href))
            self._href = None


def read_message(message: Message) -> tuple[str, str, list[tuple[str, str]]]:
    """``(subject, the HTML body as text, links as (text, href))``."""
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/html"]
    html = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    parser = _Text()
    parser.feed(html)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    return subject, " ".join(parser.text), parser.links


def secrets_in(raw: str, sb) -> list[str]:
    _client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    values = {
        "smtp password": SMTP_PASSWORD,
        "procountor client secret": secret,
        "procountor api key": api_key,
        "taimer api key": demo.TAIMER_API_KEY,
        "pseudonym key": demo.DEMO_PSEUDONYM_KEY,
        **{f"access token #{i}": token for i, token in enumerate(sb.issued_tokens)},
    }
    return [name for name, value in values.items() if value in raw]


@pytest.fixture
def run_dag(tmp_path: Path, smtp_sink: SmtpSink) -> Callable[..., dict]:
    """``run(sandboxes, dag_file, alerts=True) -> result``: one ``dag.test()`` in a child process, every run of a
    test on the same Airflow home and ledger (the outbound run validates against the reference run's snapshot)."""
    home = tmp_path / "airflow"
    home.mkdir()
    ledger_url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"

    def run(sb, dag_file: str, *, alerts: bool = True) -> dict:
        extra = {**demo.connection_env(sb.procountor.base_url, sb.taimer.base_url, ledger_url), **FAST_RETRIES}
        extra.update(smtp_sink.connection_env() if alerts else {"AIRFLOW__API__BASE_URL": BASE_URL})
        env = dag_runner.airflow_env(home, DAGS, extra)
        return dag_runner.run_dag_in_subprocess(env, dag_file=DAGS / dag_file, log_path=tmp_path / "airflow.log")

    return run


def messages_about(sink: SmtpSink, flow: str) -> list[tuple[list[str], Message]]:
    return [(r, m) for r, m in sink.messages if read_message(m)[0].startswith(f"{SUBJECT_PREFIX} {flow}: ")]


def test_a_partial_run_emails_its_summary_and_a_link_to_the_report(
    sandboxes_with_bank_defect, run_dag, smtp_sink
) -> None:
    sb = sandboxes_with_bank_defect
    assert run_dag(sb, REFERENCE_DAG)["state"] == "success"  # the snapshot the outbound validation reads
    result = run_dag(sb, OUTBOUND_DAG)
    assert result["state"] == "success", result
    report = result["xcom"]["report"]
    assert report["outcome"] == "partial"  # the demo company's bank account is not in Procountor, and more

    assert smtp_sink.logins and set(smtp_sink.logins) == {(SMTP_USER, SMTP_PASSWORD)}
    (rcpts, message), *_ = messages_about(smtp_sink, "outbound") or [([], None)]
    assert message is not None, [read_message(m)[0] for _, m in smtp_sink.messages]
    assert len(messages_about(smtp_sink, "outbound")) == 1
    # every message is about a run that needs a person: none for a clean run, none called FAILED
    assert all("PARTIAL" in read_message(m)[0] for _, m in smtp_sink.messages)
    assert sorted(rcpts) == sorted(RECIPIENTS) and message["From"] == FROM
    subject, body, links = read_message(message)
    assert subject == f"{SUBJECT_PREFIX} {FlowSummary.from_json(report).headline()}"
    for code in {e["code"] for e in report["errors"]}:
        assert code in body
    assert result["run_id"] in body
    for row in report["kinds"]:  # the counts table: one row per kind the report counted
        assert row["kind"] in body
    hrefs = dict(links)
    assert hrefs["The run on the Taimer ⇄ Procountor report page"].startswith(
        f"{BASE_URL}/taimer-procountor/?lang=en#run-taimer_to_procountor-"
    )
    assert hrefs["The run in Airflow"].startswith(f"{BASE_URL}/dags/taimer_to_procountor/runs/")
    assert sb.issued_tokens and secrets_in(message.as_string(), sb) == []


def test_a_failed_run_emails_its_root_cause(sandboxes_clean_bank, run_dag, smtp_sink) -> None:
    sb = sandboxes_clean_bank
    # Taimer refuses every read: the outbound extract fails after its retries, the run fails
    fault = {"kind": "error_before_commit", "method": "GET", "path": "^/api/v1/", "status": 403}
    requests.post(f"{sb.taimer.base_url}/_control/faults", json=fault, timeout=10).raise_for_status()
    result = run_dag(sb, OUTBOUND_DAG)
    assert result["state"] == "failed", result
    report = FlowSummary.from_json(result["xcom"]["report"])
    root = report.failed_steps[0]

    assert len(smtp_sink.messages) == 1, [read_message(m)[0] for _, m in smtp_sink.messages]
    _rcpts, message = smtp_sink.messages[0]
    subject, body, links = read_message(message)
    assert subject == f"{SUBJECT_PREFIX} {report.headline()}"
    assert subject.startswith(f"{SUBJECT_PREFIX} outbound: FAILED") and f"failed: {root.task_id}" in subject
    assert "Root cause" in body and root.task_id in body and root.code in body
    assert dict(links)["The run on the Taimer ⇄ Procountor report page"].startswith(f"{BASE_URL}/taimer-procountor/")
    assert secrets_in(message.as_string(), sb) == []


def test_without_the_alerts_connection_nothing_is_sent(sandboxes_clean_bank, run_dag, smtp_sink, tmp_path) -> None:
    sb = sandboxes_clean_bank
    fault = {"kind": "error_before_commit", "method": "GET", "path": "^/api/v1/", "status": 403}
    requests.post(f"{sb.taimer.base_url}/_control/faults", json=fault, timeout=10).raise_for_status()
    result = run_dag(sb, OUTBOUND_DAG, alerts=False)
    assert result["state"] == "failed", result
    assert smtp_sink.messages == [] and smtp_sink.logins == []
    assert "alerts are off (no connection 'taimer_procountor_alerts')" in (tmp_path / "airflow.log").read_text()
