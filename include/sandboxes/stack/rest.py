"""A small client of Airflow's REST API v2, used as a user's tooling would use it: log in with ``POST /auth/token``,
unpause and trigger DAGs (``"logical_date": null``), wait for runs, read task instances and their tries."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

TERMINAL_RUN_STATES = frozenset({"success", "failed"})


class AirflowApiError(RuntimeError):
    pass


def generated_password(airflow_home: Path, username: str) -> str:
    """The simple auth manager's generated password of ``username`` (the api-server writes the file at start)."""
    path = airflow_home / "simple_auth_manager_passwords.json.generated"
    return json.loads(path.read_text(encoding="utf-8"))[username]


class AirflowApi:
    def __init__(self, base_url: str, username: str, password: str, *, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = {"username": username, "password": password}
        self._timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False  # loopback only: never through a proxy

    def login(self) -> None:
        answer = self._session.post(f"{self.base_url}/auth/token", json=self._credentials, timeout=self._timeout)
        if answer.status_code not in (200, 201):
            raise AirflowApiError(f"POST /auth/token answered {answer.status_code}")
        self._session.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        if "Authorization" not in self._session.headers:
            self.login()
        answer = self._session.request(method, f"{self.base_url}{path}", timeout=self._timeout, **kwargs)
        if answer.status_code == 401:  # the token expired: log in again once
            self.login()
            answer = self._session.request(method, f"{self.base_url}{path}", timeout=self._timeout, **kwargs)
        if answer.status_code >= 400:
            raise AirflowApiError(f"{method} {path} answered {answer.status_code}: {answer.text[:500]}")
        return answer.json() if answer.content else None

    # --------------------------------------------------------------------------------------------- queries
    def dag(self, dag_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v2/dags/{dag_id}")

    def dag_run(self, dag_id: str, run_id: str) -> dict[str, Any]:
        return self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}")

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        answer = self.request("GET", f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 1000})
        return answer["task_instances"]

    def tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[dict[str, Any]]:
        """Every try of one task instance (the current one included), each with its ``hostname`` and ``state``."""
        mapped = f"/{map_index}" if map_index >= 0 else ""
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}{mapped}/tries"
        return self.request("GET", path)["task_instances"]

    def xcom(self, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.request("GET", path, params={"deserialize": "true"})["value"]

    # --------------------------------------------------------------------------------------------- actions
    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> dict[str, Any]:
        """Wait until the dag-processor has parsed and serialised ``dag_id``."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.dag(dag_id)
            except AirflowApiError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(2)

    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/api/v2/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: Mapping[str, Any] | None = None) -> str:
        """Start a manual run now; returns its ``dag_run_id``."""
        body = {"logical_date": None, "conf": dict(conf or {})}
        return self.request("POST", f"/api/v2/dags/{dag_id}/dagRuns", json=body)["dag_run_id"]

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300, poll: float = 2) -> dict[str, Any]:
        """Poll the run until it succeeded or failed; raise ``TimeoutError`` after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            run = self.dag_run(dag_id, run_id)
            if run["state"] in TERMINAL_RUN_STATES:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dag_id} run {run_id} still {run['state']} after {timeout:.0f} s")
            time.sleep(poll)
