"""The ``procountor_api`` pool in a real ``dag.test()`` run: the runner creates it (as compose's airflow-init does),
and each task's Procountor client runs at its slots' share of the connection's rate."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from sandboxes import dag_runner
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

POOL_DAG = '''
"""Pool probe: three tasks build a Procountor client (no request is sent) and report their limiter's rate."""
from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from taimer_procountor.airflow.pools import PROCOUNTOR_POOL


def _rate() -> dict:
    from taimer_procountor.airflow.pools import current_task_slots
    from taimer_procountor.airflow.procountor_hook import ProcountorHook

    client = ProcountorHook().get_client()
    return {"rate": client.limiter.rate_per_second, "slots": current_task_slots()}


@dag(
    dag_id="pool_probe",
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Helsinki"),
    catchup=False,
    tags=["test"],
    default_args={"owner": "test", "retries": 0},
)
def pool_probe():
    @task(pool=PROCOUNTOR_POOL)
    def one_slot() -> dict:
        return _rate()

    @task(pool=PROCOUNTOR_POOL, pool_slots=2)
    def two_slots() -> dict:
        return _rate()

    @task(pool=PROCOUNTOR_POOL, pool_slots=5)
    def whole_pool() -> dict:
        return _rate()

    one_slot() >> two_slots() >> whole_pool()


pool_probe()
'''


def test_runner_creates_the_pool_and_tasks_get_their_share_of_the_rate(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    dag_file = dags / "pool_probe.py"
    dag_file.write_text(textwrap.dedent(POOL_DAG), encoding="utf-8")
    conn = {
        "conn_type": "http",
        "host": "http://127.0.0.1:9/api",  # never contacted: building a client sends nothing
        "login": "pool-probe-client",
        "password": "pool-probe-secret",
        "extra": {"api_key": "pool-probe-api-key", "rate_per_second": 20},
    }
    extra = {"AIRFLOW_CONN_PROCOUNTOR_DEFAULT": json.dumps(conn), "TAIMER_PROCOUNTOR_POOL_SLOTS": "5"}
    env = dag_runner.airflow_env(tmp_path / "airflow", dags, extra)
    log_path = tmp_path / "airflow.log"
    result = dag_runner.run_dag_in_subprocess(env, dag_file=dag_file, log_path=log_path)
    if result.get("state") != "success":
        print(log_path.read_text(encoding="utf-8")[-10000:])
    assert result["state"] == "success", result
    assert result["pools"][PROCOUNTOR_POOL] == 5  # created by the runner, sized from TAIMER_PROCOUNTOR_POOL_SLOTS
    assert result["xcom"]["one_slot"] == {"rate": 4.0, "slots": 1}  # 20/s over 5 slots
    assert result["xcom"]["two_slots"] == {"rate": 8.0, "slots": 2}
    assert result["xcom"]["whole_pool"] == {"rate": 20.0, "slots": 5}
