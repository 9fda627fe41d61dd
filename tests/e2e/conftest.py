"""End-to-end fixtures: both sandboxes on loopback, seeded with the demo scenario, and a DAG runner that runs
``dag.test()`` in a fresh Python process with its own ``AIRFLOW_HOME`` (Airflow reads its configuration at import
time, so one process per run keeps the runs apart)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from sandboxes import dag_runner as airflow_dag_runner
from sandboxes.demo import program as demo
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.settings import TaimerSandboxSettings

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / demo.DAG_FILE
# Airflow's own task retries wait 1 s instead of 30 s (read by the DAG file at parse time)
FAST_RETRIES = {"TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS": "1"}


@dataclass
class Sandboxes:
    procountor: RunningServer
    taimer: RunningServer
    taimer_data: Any
    procountor_fixture: Any
    procountor_sandbox: Any = None  # the app's in-process ``Sandbox`` (state, settings)
    issued_tokens: list[str] = field(default_factory=list)  # every access token the Procountor sandbox issued

    def taimer_state(self) -> dict[str, Any]:
        return requests.get(f"{self.taimer.base_url}/_control/state", timeout=10).json()

    def taimer_log(self) -> list[dict[str, Any]]:
        return demo.request_log(self.taimer.base_url)

    def procountor_log(self) -> list[dict[str, Any]]:
        return demo.request_log(self.procountor.base_url)

    def procountor_fault(self, rule: dict[str, Any]) -> None:
        requests.post(f"{self.procountor.base_url}/_control/faults", json=rule, timeout=10).raise_for_status()


def start_sandboxes(*, bank_mismatch: bool) -> Sandboxes:
    taimer_data, fixture = demo.scenario(2026, bank_mismatch=bank_mismatch)
    app = procountor_app(ProcountorSandboxSettings())
    procountor = serve_in_thread(app)
    taimer = serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=taimer_data)))
    requests.post(
        f"{procountor.base_url}/_control/fixture", json=fixture.model_dump(mode="json"), timeout=30
    ).raise_for_status()
    sb = Sandboxes(procountor, taimer, taimer_data, fixture, app.state.sandbox)
    issue = app.state.sandbox.tokens.issue

    def recording_issue(client_id: str, ttl_seconds: int) -> str:
        token = issue(client_id, ttl_seconds)
        sb.issued_tokens.append(token)
        return token

    app.state.sandbox.tokens.issue = recording_issue
    return sb


@pytest.fixture
def sandboxes_with_bank_defect() -> Iterator[Sandboxes]:
    sb = start_sandboxes(bank_mismatch=True)
    yield sb
    sb.taimer.stop()
    sb.procountor.stop()


@pytest.fixture
def sandboxes_clean_bank() -> Iterator[Sandboxes]:
    sb = start_sandboxes(bank_mismatch=False)
    yield sb
    sb.taimer.stop()
    sb.procountor.stop()


@pytest.fixture
def run_dag_file(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``run(dag_file, procountor_url, taimer_url, ledger_url, conf=None) -> result``: one ``dag.test()`` of the DAG in
    ``dag_file`` in a child process, with the three connections pointing at the given sandboxes and ledger. Airflow's
    output goes to ``tmp_path/airflow.log`` (printed on failure), its metadata DB is ``tmp_path/airflow/airflow.db``
    (XComs)."""
    home = tmp_path / "airflow"
    home.mkdir()
    log_path = tmp_path / "airflow.log"

    def run(
        dag_file: Path, procountor_url: str, taimer_url: str, ledger_url: str, conf: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        extra = {**demo.connection_env(procountor_url, taimer_url, ledger_url), **FAST_RETRIES}
        env = airflow_dag_runner.airflow_env(home, dag_file.parent, extra)
        result = airflow_dag_runner.run_dag_in_subprocess(env, dag_file=dag_file, log_path=log_path, conf=conf)
        if result.get("state") != "success":
            print(log_path.read_text(encoding="utf-8")[-15000:])
        return result

    return run


@pytest.fixture
def dag_runner(run_dag_file: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """``run(sandboxes, ledger_url, conf=None) -> result``: one ``dag.test()`` of the reference DAG."""

    def run(sb: Sandboxes, ledger_url: str, conf: dict[str, Any] | None = None) -> dict[str, Any]:
        return run_dag_file(DAG_FILE, sb.procountor.base_url, sb.taimer.base_url, ledger_url, conf)

    return run
