"""The report UI inside a real Airflow 3.3 api-server (``airflow api-server``, SQLite metadata DB in a tmp
AIRFLOW_HOME, the simple auth manager): the plugin's app is mounted at /taimer-procountor, Airflow's auth guards it
(the api-server itself does not: plugin apps are mounted with ``app.mount()``), and with a token from
``POST /auth/token`` the page and JSON show the ledger named by the ``taimer_procountor_ledger`` connection. Under an
auth manager that grants single DAGs, a user allowed one DAG is refused the page, whatever ``?dag_id=`` says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
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
    with _api_server(tmp_path, sqlite_url) as running:
        yield running


ALLOWED_DAG = "only_this_dag"
ONE_DAG_AUTH_MANAGER = f"""
from airflow.api_fastapi.auth.managers.simple.simple_auth_manager import SimpleAuthManager


class OneDagAuthManager(SimpleAuthManager):
    \"\"\"The simple auth manager's users and logins, but DAG access for one DAG only: what a per-DAG manager
    (FAB's DAG-level permissions, Keycloak, a company's own) gives a user allowed {ALLOWED_DAG!r}.\"\"\"

    def is_authorized_dag(self, *, method, user, access_entity=None, details=None):
        return method == "GET" and details is not None and details.id == {ALLOWED_DAG!r}
"""


@pytest.fixture
def one_dag_api_server(tmp_path, sqlite_url):
    (tmp_path / "one_dag_auth.py").write_text(textwrap.dedent(ONE_DAG_AUTH_MANAGER), encoding="utf-8")
    extra = {
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
        "AIRFLOW__CORE__AUTH_MANAGER": "one_dag_auth.OneDagAuthManager",
    }
    with _api_server(tmp_path, sqlite_url, extra) as running:
        yield running


@contextmanager
def _api_server(tmp_path: Path, sqlite_url: str, extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, str]]:
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
        **(extra_env or {}),
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


def test_a_user_allowed_one_dag_is_refused_the_report_even_with_dag_id(one_dag_api_server):
    """The report shows every flow's runs, so it asks for read access to all DAG runs with no details from the
    request: ``?dag_id=`` (which Airflow's ``requires_access_dag`` would read) cannot narrow the check."""
    base, token = one_dag_api_server
    bearer = {"Authorization": f"Bearer {token}"}
    # The auth manager really is per-DAG: Airflow's own API lets the user at the allowed DAG and not at another.
    allowed = requests.get(f"{base}/api/v2/dags/{ALLOWED_DAG}/dagRuns", headers=bearer, timeout=30)
    assert allowed.status_code != 403, allowed.text
    other = requests.get(f"{base}/api/v2/dags/some_other_dag/dagRuns", headers=bearer, timeout=30)
    assert other.status_code == 403, other.text
    ui = base + "/taimer-procountor"
    for path in ("/api/runs", "/api/reference", "/api/outbound", "/", "/catalogue"):
        for query in ("", f"?dag_id={ALLOWED_DAG}", f"?lang=en&dag_id={ALLOWED_DAG}"):
            answer = requests.get(ui + path + query, headers=bearer, timeout=30)
            assert answer.status_code == 403, (path, query, answer.status_code, answer.text[:300])
            assert "manual__ui" not in answer.text
        page = requests.get(ui + path + f"?dag_id={ALLOWED_DAG}", cookies={"_token": token}, timeout=30)
        assert page.status_code == 403, (path, page.status_code)
