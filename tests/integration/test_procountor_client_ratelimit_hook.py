"""The client's rate under 8 threads, measured by the Procountor sandbox, and ProcountorHook from an env-var
connection."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
import requests

from sandboxes.runner import serve_in_process
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings


@pytest.fixture(scope="module")
def sandbox():
    # A child process, not a thread: the server timestamps arrivals, and in the same process it would compete with the
    # eight client threads for the GIL, delaying some arrivals and bunching others.
    with serve_in_process("sandboxes.procountor") as server:
        yield server


@pytest.fixture
def control(sandbox):
    base = sandbox.base_url + "/_control"
    requests.post(base + "/reset", timeout=5).raise_for_status()
    return base


def max_in_any_window(stamps: list[float], window: float = 1.0) -> int:
    stamps = sorted(stamps)
    best = j = 0
    for i in range(len(stamps)):
        while stamps[i] - stamps[j] >= window:
            j += 1
        best = max(best, i - j + 1)
    return best


def test_eight_threads_never_exceed_the_configured_rate(sandbox, control):
    rate = 20  # equal to the sandbox's own limit: any excess would also show up as a 429
    total = 60
    settings = ProcountorSettings(
        base_url=sandbox.base_url + "/api",
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        api_key="sandbox-api-key",
        rate_per_second=rate,
    )
    with ProcountorClient(settings) as client, ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda _: client.company().name, range(total)))
    assert len(names) == total and len(set(names)) == 1
    log = [e for e in requests.get(control + "/requests", timeout=5).json() if e["path"].startswith("/api/")]
    assert len(log) == total + 1  # one login
    stamps = [datetime.fromisoformat(e["time"]).timestamp() for e in log]
    worst = max_in_any_window(stamps)
    print(f"most requests the sandbox saw in any 1 s window: {worst} (configured {rate})")
    assert worst <= rate
    assert all(e["status"] == 200 for e in log)
    stats = requests.get(control + "/stats", timeout=5).json()
    assert stats["rate_limit"]["violations_total"] == 0


def test_hook_builds_a_working_client_from_an_env_var_connection(sandbox, control, monkeypatch):
    from taimer_procountor.airflow.procountor_hook import ProcountorHook

    conn = {
        "conn_type": "http",
        "host": sandbox.base_url + "/api",
        "login": "sandbox-client",
        "password": "sandbox-secret",
        "extra": {
            "api_key": "sandbox-api-key",
            "rate_per_second": 15,
            "connect_timeout": 3,
            "read_timeout": 10,
            "token_margin_seconds": 30,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_PROCOUNTOR_DEFAULT", json.dumps(conn))
    monkeypatch.setenv("TAIMER_PROCOUNTOR_POOL_SLOTS", "3")
    hook = ProcountorHook()
    client = hook.get_client()
    assert client.settings.rate_per_second == 15 and client.settings.read_timeout == 10
    # The limiter runs at one pool slot's share: 15/s over the procountor_api pool's 3 slots.
    assert client.limiter.rate_per_second == 5
    assert client.session.auth is None, "no HTTP Basic auth with the client secret on every call"
    assert "api_key" not in {k.lower() for k in client.session.headers}
    company = client.company()
    assert company.name
    ok, message = hook.test_connection()
    assert ok and company.name in message
    log = requests.get(control + "/requests", timeout=5).json()
    assert [e["status"] for e in log if e["path"] == "/api/oauth/token"] == [200]
