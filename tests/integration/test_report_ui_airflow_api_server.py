"""The report UI inside a real Airflow 3.3 api-server (``airflow api-server``, SQLite metadata DB in a tmp
AIRFLOW_HOME, the simple auth manager): the plugin's app is mounted at /taimer-procountor, Airflow's auth guards it
(the api-server itself does not: plugin apps are mounted with ``app.mount()``), and with a token from
``POST /auth/token`` the page and JSON show the ledger named by the ``taimer_procountor_ledger`` connection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sandboxes.airflow_api_server import airflow_api_server, simple_auth_password
from sandboxes.runner import free_port
from taimer_procountor.ledger import connect, migrate

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


@pytest.fixture
def api_server(tmp_path, sqlite_url):
    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    ledger.runs.start_run("procountor_reference_sync", "manual__ui", "reference_sync")
    ledger.runs.finish_run(
        "procountor_reference_sync",
        "manual__ui",
        "reference_sync",
        "partial",
        counts={"snapshot": {"vats": {"items": 2}}},
        errors=[{"code": "REFERENCE_BANK_ACCOUNT_MISMATCH", "where": "bank_accounts", "detail": "FI00 ****"}],
    )
    ledger.dispose()
    home = tmp_path / "airflow"
    (home / "dags").mkdir(parents=True)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER": json.dumps(
            {"conn_type": "generic", "extra": {"sqlalchemy_url": sqlite_url}}
        ),
    }
    migrated = subprocess.run(
        [str(BIN / "airflow"), "db", "migrate"], env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with airflow_api_server(
        env, airflow=BIN / "airflow", port=port, log_path=tmp_path / "api-server.log", base_url=base, timeout=90
    ):
        token = requests.post(
            base + "/auth/token", json={"username": "admin", "password": simple_auth_password(home)}, timeout=30
        ).json()["access_token"]
        yield base, token


def test_plugin_page_behind_airflow_auth_in_a_real_api_server(api_server):
    base, token = api_server
    ui = base + "/taimer-procountor"
    # without a token: refused, page and JSON alike (only /health is open, and it reads nothing)
    for path in ("/", "/catalogue", "/api/runs", "/api/catalogue"):
        assert requests.get(ui + path, timeout=30).status_code == 401, path
    assert requests.get(ui + "/api/runs", headers={"Authorization": "Bearer forged"}, timeout=30).status_code == 403
    assert requests.get(ui + "/health", timeout=30).json() == {"status": "ok"}

    bearer = {"Authorization": f"Bearer {token}"}
    runs = requests.get(ui + "/api/runs", headers=bearer, timeout=30).json()["runs"]
    assert [(r["run_id"], r["status"]) for r in runs] == [("manual__ui", "partial")]
    assert runs[0]["errors"][0]["code"] == "REFERENCE_BANK_ACCOUNT_MISMATCH"
    # the UI's own session cookie (what the iframe in Airflow's navigation sends)
    page = requests.get(ui + "/?lang=en", cookies={"_token": token}, timeout=30)
    assert page.status_code == 200
    assert "REFERENCE_BANK_ACCOUNT_MISMATCH" in page.text and "matches none of the company" in page.text
    assert 'href="/taimer-procountor/catalogue?lang=en"' in page.text  # links carry the mount prefix

    plugins = requests.get(base + "/api/v2/plugins", headers=bearer, timeout=30).json()["plugins"]
    (ours,) = [p for p in plugins if p["name"] == "taimer_procountor_ui"]
    assert ours["fastapi_apps"][0]["url_prefix"] == "/taimer-procountor"
    assert ours["external_views"][0]["url_route"] == "taimer-procountor"
