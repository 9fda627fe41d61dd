"""The Taimer sandbox as a process and its control API and OpenAPI document, over real HTTP."""

from __future__ import annotations

import requests

from sandboxes.runner import serve_in_process, serve_in_thread
from sandboxes.taimer import create_app
from sandboxes.taimer.datasets import default_dataset


def test_taimer_sandbox_module_serves_fixture_with_env_key(tmp_path, monkeypatch) -> None:
    dataset = default_dataset()
    dataset.company.name = "Prosessi Oy"
    fixture = tmp_path / "taimer.json"
    fixture.write_text(dataset.model_dump_json(), encoding="utf-8")
    monkeypatch.setenv("TAIMER_SANDBOX_API_KEY", "env-key-123456")
    monkeypatch.setenv("TAIMER_SANDBOX_FIXTURE", str(fixture))
    with serve_in_process("sandboxes.taimer") as server:
        ok = requests.get(server.base_url + "/api/v1/company", headers={"X-API-Key": "env-key-123456"}, timeout=5)
        assert ok.json()["name"] == "Prosessi Oy"
        default = requests.get(
            server.base_url + "/api/v1/company", headers={"X-API-Key": "taimer-sandbox-key"}, timeout=5
        )
        assert default.status_code == 401
        assert default.json()["error"]["code"] == "TAIMER_UNAUTHORIZED"


def test_taimer_sandbox_control_api_and_openapi() -> None:
    with serve_in_thread(create_app()) as server:
        base = server.base_url
        key = {"X-API-Key": "taimer-sandbox-key"}
        assert requests.get(base + "/_control/health", timeout=5).json()["status"] == "ok"

        spec = requests.get(base + "/openapi.json", timeout=5).json()
        assert "/api/v1/sales-invoices" in spec["paths"]
        assert "/api/v1/bills/by-procountor-id/{procountor_id}" in spec["paths"]
        assert "APIKeyHeader" in spec["components"]["securitySchemes"]

        rule = requests.post(
            base + "/_control/faults", json={"kind": "error_before_commit", "nth": 1}, timeout=5
        ).json()
        assert rule["kind"] == "error_before_commit"
        assert requests.get(base + "/api/v1/company", headers=key, timeout=5).status_code == 503
        assert requests.get(base + "/api/v1/company", headers=key, timeout=5).status_code == 200
        listed = requests.get(base + "/_control/faults", timeout=5).json()
        assert [(r["kind"], r["matched"], r["fired"]) for r in listed] == [("error_before_commit", 2, 1)]
        bad = requests.post(base + "/_control/faults", json={"kind": "revoke_tokens"}, timeout=5)
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["field"] == "kind"  # Taimer has a static key: nothing to revoke
        assert requests.delete(base + "/_control/faults", timeout=5).json() == {"status": "cleared", "cleared": 1}

        stats = requests.get(base + "/_control/stats", timeout=5).json()
        assert stats["requests"]["GET 503"] == 1 and stats["requests"]["GET 200"] == 1
        assert stats["requests_by_status"] == {"503": 1, "200": 1}
        assert stats["faults_fired"] == {"error_before_commit": 1}
        log = requests.get(base + "/_control/requests", timeout=5).json()
        assert [(e["status"], e["faults"]) for e in log] == [(503, ["error_before_commit"]), (200, [])]

        small = default_dataset()
        small.sales_invoices = small.sales_invoices[:1]
        loaded = requests.post(base + "/_control/fixture", json=small.model_dump(mode="json"), timeout=5).json()
        assert loaded["counts"]["sales_invoices"] == 1
        state = requests.get(base + "/_control/state", timeout=5).json()
        assert "attachment_blobs" not in state
        assert (
            "att-1" in requests.get(base + "/_control/state?include_blobs=true", timeout=5).json()["attachment_blobs"]
        )

        too_big = requests.get(base + "/api/v1/users?limit=100000", headers=key, timeout=5)
        assert too_big.status_code == 422 and too_big.json()["error"]["field"] == "limit"
        bad_cursor = requests.get(base + "/api/v1/users?cursor=%%%", headers=key, timeout=5)
        assert bad_cursor.status_code == 422

        reset = requests.post(base + "/_control/reset", timeout=5).json()
        assert reset["counts"]["sales_invoices"] == 3
        assert requests.get(base + "/_control/requests", timeout=5).json() == []


def _rows_with(**changes: object) -> list[dict[str, object]]:
    rows = [row.model_dump(mode="json") for row in default_dataset().sales_invoices[0].rows]
    rows[0].update(changes)
    return rows


BAD_PATCHES = {
    "impossible date": {"invoice_date": "2026-02-30"},
    "text for a number": {"number": "many"},
    "NaN for money": {"rows": _rows_with(unit_price=float("nan"))},
    "infinite money": {"rows": _rows_with(unit_price=1e309)},
    "huge exponent": {"rows": _rows_with(quantity="1e999999999")},
    "rows not a list": {"rows": "none"},
    "integration not an object": {"integration": [1, 2]},
    "id changed": {"id": "someone-else"},
}


def test_an_invalid_control_patch_answers_400_and_the_sandbox_keeps_serving() -> None:
    """``PATCH /_control/documents/...`` validates the merged document before storing it: 400 with an error body,
    nothing stored, the sandbox's API and state still answer normally."""
    import json

    dataset = default_dataset()
    invoice = dataset.sales_invoices[0]
    headers = {"X-API-Key": "taimer-sandbox-key"}
    with serve_in_thread(create_app()) as server:
        base = server.base_url
        url = f"{base}/_control/documents/sales_invoice/{invoice.id}"
        before = requests.get(f"{base}/api/v1/sales-invoices/{invoice.id}", headers=headers, timeout=5).json()
        for case, patch in BAD_PATCHES.items():
            # allow_nan: NaN and 1e309 (inf) are sent as the bare tokens Python's json writes, as a careless client
            answer = requests.patch(
                url,
                data=json.dumps(patch, allow_nan=True),
                headers={"Content-Type": "application/json"},
                timeout=5,
            )
            assert answer.status_code == 400, (case, answer.status_code, answer.text)
            error = answer.json()["error"]
            assert error["code"] == "INVALID_DOCUMENT" and error["message"], (case, error)
            state = requests.get(f"{base}/_control/state", timeout=5)
            assert state.status_code == 200, (case, state.text[:300])
            listing = requests.get(f"{base}/api/v1/sales-invoices", headers=headers, timeout=5)
            assert listing.status_code == 200, (case, listing.text[:300])
            again = requests.get(f"{base}/api/v1/sales-invoices/{invoice.id}", headers=headers, timeout=5).json()
            assert again == before, f"{case}: the refused patch changed the document"
        assert error["field"] == "id"
        unknown = requests.patch(f"{base}/_control/documents/sales_invoice/no-such-id", json={"notes": "x"}, timeout=5)
        assert unknown.status_code == 404
        good = requests.patch(url, json={"integration": {"sync_state": "ready"}}, timeout=5)
        assert good.status_code == 200 and good.json()["integration"]["sync_state"] == "ready"
