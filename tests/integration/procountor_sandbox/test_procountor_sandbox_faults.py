"""Fault injection, rate limit, request log, concurrency and the command line."""

from __future__ import annotations

import json
import threading

import pytest
import requests

from sandboxes.procountor.dataset import default_dataset
from sandboxes.runner import serve_in_process


def _fault(api, **rule):
    r = api.control("POST", "/faults", json=rule)
    assert r.status_code == 200, r.text
    return r.json()


def _stored(api):
    return api.control("GET", "/state").json()["invoices"]


def test_error_before_commit_stores_nothing(api, bodies):
    _fault(api, kind="error_before_commit", path="^/api/invoices$", method="POST", count=1)
    r = api.post("/invoices", json=bodies.sales())
    assert r.status_code == 503 and r.json()["errors"][0]["status"] == 503
    assert _stored(api) == []
    assert api.post("/invoices", json=bodies.sales()).status_code == 200  # count=1: fired once


def test_error_after_commit_leaves_the_invoice_stored(api, bodies):
    _fault(api, kind="error_after_commit", path="^/api/invoices$", method="POST", count=1)
    r = api.post("/invoices", json=bodies.sales(originalInvoiceNumber="AFTER-1"))
    assert r.status_code == 500
    found = api.get("/invoices", params={"originalInvoiceNumber": "AFTER-1"}).json()
    assert found["meta"]["totalCount"] == 1
    log = api.control("GET", "/requests", params={"path": "/api/invoices"}).json()
    post = next(e for e in log if e["method"] == "POST")
    assert post["status"] == 500 and post["committed_status"] == 200 and post["faults"] == ["error_after_commit"]


def test_drop_after_commit(api, bodies):
    _fault(api, kind="drop_after_commit", path="^/api/invoices$", method="POST", count=1)
    with pytest.raises(requests.ConnectionError):
        api.http.post(api.base + "/api/invoices", json=bodies.sales(originalInvoiceNumber="DROP-1"),
                      headers={"Authorization": f"Bearer {api.token}"}, timeout=5)  # fmt: skip
    assert [i["originalInvoiceNumber"] for i in _stored(api)] == ["DROP-1"]


def test_timeout_after_commit(api, bodies):
    _fault(api, kind="timeout_after_commit", path="^/api/invoices$", method="POST", count=1, seconds=1.0)
    with pytest.raises(requests.ReadTimeout):
        api.post("/invoices", json=bodies.sales(originalInvoiceNumber="SLOW-1"), timeout=0.3)
    assert [i["originalInvoiceNumber"] for i in _stored(api)] == ["SLOW-1"]


def test_nth_request_targeting_and_html_500(api, bodies):
    _fault(api, kind="html_500", path="^/api/invoices$", method="POST", nth=3)
    codes = [api.post("/invoices", json=bodies.sales()).status_code for _ in range(4)]
    assert codes == [200, 200, 500, 200]
    log = api.control("GET", "/requests").json()
    assert [e["status"] for e in log if e["path"] == "/api/invoices"] == codes
    rule = api.control("GET", "/faults").json()[0]
    assert rule["matched"] == 4 and rule["fired"] == 1
    _fault(api, kind="html_500", path="^/api/company$", count=1)
    r = api.get("/company")
    assert r.status_code == 500 and r.headers["content-type"].startswith("text/html") and "<html>" in r.text


def test_probability_with_seed_is_repeatable(api):
    def pattern():
        api.control("DELETE", "/faults")
        _fault(api, kind="error_before_commit", path="^/api/coa$", probability=0.5, seed=42, status=502)
        return [api.get("/coa").status_code for _ in range(16)]

    first, second = pattern(), pattern()
    assert first == second and 502 in first and 200 in first


def test_rate_limit_fault_burst_latency_and_revoke(api):
    _fault(api, kind="rate_limit", path="^/api/company$", count=2, seconds=3)
    answers = [api.get("/company") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3" and answers[0].json()["errors"][0]["status"] == 429
    _fault(api, kind="latency", path="^/api/coa$", seconds=0.05, count=1)
    assert api.get("/coa").status_code == 200
    assert api.control("GET", "/requests").json()[-1]["faults"] == ["latency"]
    _fault(api, kind="revoke_tokens", path="^/api/persons", count=1)
    assert api.get("/persons").status_code == 401
    assert api.get("/company").status_code == 401  # the token is gone for good
    api.login()
    assert api.get("/company").status_code == 200
    stats = api.control("GET", "/stats").json()
    assert stats["faults_fired"] == {"rate_limit": 2, "latency": 1, "revoke_tokens": 1}


def test_fault_rule_validation_and_removal(api):
    assert api.control("POST", "/faults", json={"kind": "explode"}).status_code == 400
    assert api.control("POST", "/faults", json={"kind": "latency", "path": "("}).status_code == 400
    rule = _fault(api, kind="error_before_commit", path="^/api/coa$")
    assert api.control("DELETE", f"/faults/{rule['id']}").status_code == 200
    assert api.get("/coa").status_code == 200


def test_rate_limit_answer_and_violation_count(api):
    api.control("PATCH", "/settings", json={"rate_per_second": 3})
    codes = [api.get("/company") for _ in range(8)]
    refused = [r for r in codes if r.status_code == 429]
    assert refused, "8 quick requests at 3/s must be refused at least once"
    assert int(refused[0].headers["Retry-After"]) >= 1
    assert refused[0].json() == {"errors": [{"status": 429, "message": "Too many requests: rate limit exceeded"}]}
    stats = api.control("GET", "/stats").json()["rate_limit"]
    assert stats["clients"]["sandbox-client"]["violations"] == len(refused)
    assert stats["violations_total"] == len(refused)


def test_request_log_never_holds_secrets(api, bodies):
    api.post("/invoices", json=bodies.sales())
    requests.post(api.base + "/api/oauth/token?api_key=leak", data={"grant_type": "client_credentials"}, timeout=5)
    text = json.dumps(api.control("GET", "/requests").json())
    for secret in (api.token, "sandbox-secret", "sandbox-api-key", "leak"):
        assert secret not in text
    entry = api.control("GET", "/requests").json()[-2]
    assert entry["method"] == "POST" and entry["path"] == "/api/invoices" and entry["client_id"] == "sandbox-client"
    assert {"time", "query", "status", "duration_ms"} <= set(entry)


def test_eight_threads_get_unique_numbers(api, bodies):
    results: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        session = requests.Session()
        for i in range(15):
            r = session.post(api.base + "/api/invoices", json=bodies.sales(originalInvoiceNumber=f"W{n}-{i}"),
                             headers={"Authorization": f"Bearer {api.token}"}, timeout=10)  # fmt: skip
            assert r.status_code == 200, r.text
            with lock:
                results.append(r.json()["invoiceNumber"])

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(1, 121))
    assert api.get("/invoices", params={"size": 1}).json()["meta"]["totalCount"] == 120


def test_command_line_serves_with_options(tmp_path, monkeypatch):
    monkeypatch.setenv("PROCOUNTOR_SANDBOX_CLIENT_SECRET", "from-env-secret")
    fixture = json.loads(default_dataset().model_dump_json())
    fixture["company"]["name"] = "Komentorivi Oy"
    path = tmp_path / "company.json"
    path.write_text(json.dumps(fixture), encoding="utf-8")
    args = ["--rate", "7", "--token-ttl", "60", "--fixture", str(path)]
    with serve_in_process("sandboxes.procountor", args) as server:
        r = requests.post(server.base_url + "/api/oauth/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": "sandbox-client", "client_secret": "from-env-secret",
            "api_key": "sandbox-api-key"})  # fmt: skip
        assert r.status_code == 200 and r.json()["expires_in"] == 60
        assert requests.get(server.base_url + "/_control/stats", timeout=5).json()["rate_limit"]["rate_per_second"] == 7
        company = requests.get(server.base_url + "/api/company", timeout=5,
                               headers={"Authorization": "Bearer " + r.json()["access_token"]})  # fmt: skip
        assert company.json()["name"] == "Komentorivi Oy"
