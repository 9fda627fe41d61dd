"""One fault engine, one control API: the same rules driven against the Procountor and the Taimer sandbox.

Both sandboxes serve ``GET .../company``, so each rule below targets ``/company$`` and must behave the same way in
both: which requests fail, the counters, the request log, the control API's answers and errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from sandboxes.procountor.app import create_app as create_procountor
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer import TaimerSandboxSettings
from sandboxes.taimer import create_app as create_taimer

TAIMER_KEY = "tmr-shared-faults-key-81b2"


@dataclass
class Target:
    name: str
    server: RunningServer
    company_url: str
    headers: dict[str, str]

    def control(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.server.base_url}/_control{path}", timeout=5, **kwargs)

    def company(self) -> requests.Response:
        return requests.get(self.company_url, headers=self.headers, timeout=5)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, Target]]:
    with (
        serve_in_thread(create_procountor(ProcountorSandboxSettings(rate_per_second=0))) as procountor,
        serve_in_thread(create_taimer(TaimerSandboxSettings(api_key=TAIMER_KEY))) as taimer,
    ):
        token = requests.post(
            procountor.base_url + "/api/oauth/token",
            data={"grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "sandbox-secret",
                  "api_key": "sandbox-api-key"},
            timeout=5,
        ).json()["access_token"]  # fmt: skip
        yield {
            "procountor": Target(
                "procountor", procountor, procountor.base_url + "/api/company", {"Authorization": f"Bearer {token}"}
            ),
            "taimer": Target("taimer", taimer, taimer.base_url + "/api/v1/company", {"X-API-Key": TAIMER_KEY}),
        }


@pytest.fixture(params=["procountor", "taimer"])
def target(request: pytest.FixtureRequest, servers: dict[str, Target]) -> Target:
    chosen = servers[request.param]
    assert chosen.control("POST", "/reset").status_code == 200
    return chosen


def test_sandbox_faults_shared_nth_count_status_and_log(target: Target) -> None:
    rule = {"kind": "error_before_commit", "path": "/company$", "method": "GET", "nth": 2, "count": 2, "status": 502}
    added = target.control("POST", "/faults", json=rule)
    assert added.status_code == 200
    assert added.json()["id"] >= 1 and added.json()["matched"] == 0 and added.json()["fired"] == 0

    statuses = [target.company().status_code for _ in range(5)]

    assert statuses == [200, 502, 502, 200, 200]  # from the 2nd match, twice
    (listed,) = target.control("GET", "/faults").json()
    assert {k: listed[k] for k in ("kind", "nth", "count", "status", "matched", "fired")} == {
        "kind": "error_before_commit", "nth": 2, "count": 2, "status": 502, "matched": 5, "fired": 2,
    }  # fmt: skip
    log = target.control("GET", "/requests", params={"path": "/company"}).json()
    assert [(e["method"], e["status"], e["faults"]) for e in log] == [
        ("GET", 200, []), ("GET", 502, ["error_before_commit"]), ("GET", 502, ["error_before_commit"]),
        ("GET", 200, []), ("GET", 200, []),
    ]  # fmt: skip
    assert {"time", "method", "path", "query", "status", "client_id", "faults", "duration_ms"} <= set(log[0])
    assert len(target.control("GET", "/requests", params={"limit": 2}).json()) == 2
    assert target.control("GET", "/stats").json()["faults_fired"] == {"error_before_commit": 2}
    assert target.control("DELETE", "/faults").json() == {"status": "cleared", "cleared": 1}


def test_sandbox_faults_shared_rate_limit_legacy_field_and_html(target: Target) -> None:
    rules = [
        {"kind": "rate_limit", "path": "/company$", "nth": 1, "seconds": 3},
        {"kind": "rate_limit", "path": "/company$", "nth": 2, "retry_after": 2},  # the Taimer sandbox's old field
        {"kind": "html_500", "path": "/company$", "nth": 3},
        {"kind": "latency", "path": "/company$", "nth": 4, "seconds": 0.01},
    ]
    added = target.control("POST", "/faults", json=rules).json()
    assert [r["seconds"] for r in added] == [3, 2, None, 0.01]

    answers = [target.company() for _ in range(4)]

    assert [a.status_code for a in answers] == [429, 429, 500, 200]
    assert [a.headers.get("Retry-After") for a in answers[:2]] == ["3", "2"]
    assert answers[2].headers["content-type"].startswith("text/html") and "<html>" in answers[2].text
    log = target.control("GET", "/requests").json()
    assert [e["faults"] for e in log] == [["rate_limit"], ["rate_limit"], ["html_500"], ["latency"]]


def test_sandbox_faults_shared_drop_after_commit(target: Target) -> None:
    target.control("POST", "/faults", json={"kind": "drop_after_commit", "path": "/company$", "nth": 1})
    with pytest.raises(requests.ConnectionError):
        target.company()
    assert target.company().status_code == 200
    log = target.control("GET", "/requests").json()
    assert [(e["status"], e.get("committed_status")) for e in log] == [("dropped", 200), (200, None)]


def test_sandbox_faults_shared_control_errors(target: Target) -> None:
    for bad in ({"kind": "explode"}, {"kind": "latency", "path": "("}, {"kind": "latency", "nth": 0}):
        answer = target.control("POST", "/faults", json=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["errors"][0]["status"] == 400
    assert target.control("GET", "/faults").json() == []  # nothing half-added
    assert target.control("DELETE", "/faults/999").status_code == 404
    rule = target.control("POST", "/faults", json={"kind": "error_before_commit", "path": "/company$"}).json()
    assert target.company().status_code == 503
    assert target.control("DELETE", f"/faults/{rule['id']}").json() == {"status": "deleted"}
    assert target.company().status_code == 200


def test_sandbox_faults_shared_seeded_probability_same_pattern_in_both(servers: dict[str, Target]) -> None:
    rule = {"kind": "error_before_commit", "path": "/company$", "probability": 0.5, "seed": 42, "status": 502}
    patterns = {}
    for name, target in servers.items():
        target.control("POST", "/reset")
        target.control("POST", "/faults", json=rule)
        patterns[name] = [target.company().status_code for _ in range(16)]
    assert patterns["procountor"] == patterns["taimer"]
    assert 502 in patterns["taimer"] and 200 in patterns["taimer"]


def test_sandbox_faults_shared_kinds_each_sandbox_supports(servers: dict[str, Target]) -> None:
    procountor, taimer = servers["procountor"], servers["taimer"]
    procountor.control("POST", "/reset")
    taimer.control("POST", "/reset")
    assert procountor.control("POST", "/faults", json={"kind": "revoke_tokens", "nth": 99}).status_code == 200
    refused = taimer.control("POST", "/faults", json={"kind": "revoke_tokens"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "kind"
