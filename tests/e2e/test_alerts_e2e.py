"""Alerts end to end: a real run of the reference DAG (``dag.test()`` in a child process) whose outcome is partial or
failed e-mails its summary, received by an SMTP server on loopback (aiosmtpd) that the ``taimer_procountor_alerts``
connection points at. Without that connection nothing is sent."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from sandboxes.demo import program as demo
from sandboxes.runner import free_port

pytestmark = pytest.mark.slow

SMTP_USER = "alerts-sender"
SMTP_PASSWORD = "smtp-sandbox-only-password-5c1e"
RECIPIENTS = ["data-team@example.fi", "oncall@example.fi"]
FROM = "airflow-alerts@example.fi"
BASE_URL = "http://airflow.example.fi:8080"
DAG_ID = "procountor_reference_sync"


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


def test_a_partial_run_emails_its_summary_and_a_link_to_the_report(
    sandboxes_with_bank_defect, dag_runner, smtp_sink, tmp_path: Path
) -> None:
    sb = sandboxes_with_bank_defect
    result = dag_runner(sb, f"sqlite:///{tmp_path / 'ledger.sqlite'}", extra_env=smtp_sink.connection_env())
    assert result["state"] == "success", result
    report = result["xcom"]["report"]
    assert report["outcome"] == "partial"

    assert smtp_sink.logins == [(SMTP_USER, SMTP_PASSWORD)]
    assert len(smtp_sink.messages) == 1
    rcpts, message = smtp_sink.messages[0]
    assert sorted(rcpts) == sorted(RECIPIENTS) and message["From"] == FROM
    subject, body, links = read_message(message)
    assert subject.startswith("[Taimer ⇄ Procountor] reference_sync: PARTIAL")
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in body and "REFERENCE_PERSON_AMBIGUOUS" in body
    assert result["run_id"] in body
    # the counts table: one row per kind the report counted
    for row in report["kinds"]:
        assert row["kind"] in body
    hrefs = dict(links)
    report_link = hrefs["The run on the Taimer ⇄ Procountor report page"]
    assert report_link.startswith(f"{BASE_URL}/taimer-procountor/?lang=en#run-{DAG_ID}-")
    assert hrefs["The run in Airflow"].startswith(f"{BASE_URL}/dags/{DAG_ID}/runs/")
    assert sb.issued_tokens and secrets_in(message.as_string(), sb) == []


def test_a_failed_run_emails_its_root_cause(sandboxes_clean_bank, dag_runner, smtp_sink, tmp_path: Path) -> None:
    sb = sandboxes_clean_bank
    # Procountor refuses the company read for good: fetch_snapshot fails after its retries, the run fails
    sb.procountor_fault({"kind": "error_before_commit", "method": "GET", "path": "^/api/company", "status": 403})
    result = dag_runner(sb, f"sqlite:///{tmp_path / 'ledger.sqlite'}", extra_env=smtp_sink.connection_env())
    assert result["state"] == "failed", result
    assert result["tasks"]["fetch_snapshot"]["state"] == "failed"

    assert len(smtp_sink.messages) == 1, [read_message(m)[0] for _, m in smtp_sink.messages]
    _rcpts, message = smtp_sink.messages[0]
    subject, body, links = read_message(message)
    assert subject.startswith("[Taimer ⇄ Procountor] reference_sync: FAILED")
    assert "fetch_snapshot" in subject
    assert "Root cause" in body and "fetch_snapshot" in body
    assert dict(links)["The run on the Taimer ⇄ Procountor report page"].startswith(f"{BASE_URL}/taimer-procountor/")
    assert sb.issued_tokens and secrets_in(message.as_string(), sb) == []


def test_without_the_alerts_connection_nothing_is_sent(
    sandboxes_with_bank_defect, dag_runner, smtp_sink, tmp_path: Path
) -> None:
    sb = sandboxes_with_bank_defect
    result = dag_runner(sb, f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    assert result["state"] == "success" and result["xcom"]["report"]["outcome"] == "partial"
    assert smtp_sink.messages == []
    assert "alerts are off (no connection 'taimer_procountor_alerts')" in (tmp_path / "airflow.log").read_text()
