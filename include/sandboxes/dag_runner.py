"""Run one DAG with ``dag.test()`` in a fresh Python process and report what happened, as JSON.

Airflow reads its configuration at import time, so every DAG run that needs its own ``AIRFLOW_HOME`` (the demo, the
end-to-end tests) gets a child process: ``run_dag_in_subprocess`` starts
``python -m sandboxes.dag_runner --dag-file ... --result ...``, which migrates Airflow's metadata DB, creates the
``procountor_api`` pool (as compose's ``airflow-init`` does), runs the DAG, and writes the run's state, task states,
``return_value`` XComs, asset events and pools to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any


def airflow_env(airflow_home: Path, dags_folder: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child that runs a DAG: this process's environment without its ``AIRFLOW*`` settings,
    plus a private Airflow home with a SQLite metadata DB."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{airflow_home / 'airflow.db'}",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def run_dag_in_subprocess(
    env: Mapping[str, str],
    *,
    dag_file: Path,
    log_path: Path,
    conf: Mapping[str, Any] | None = None,
    timeout: float = 600,
) -> dict[str, Any]:
    """Run the DAG in ``dag_file`` once with ``dag.test()`` in a fresh Python process (env from ``airflow_env``),
    its output appended to ``log_path``; return the child's JSON result (see ``_child_run_dag``)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result_path = log_path.with_suffix(f".result-{time.time_ns()}.json")
    cmd = [
        sys.executable,
        "-m",
        "sandboxes.dag_runner",
        "--dag-file",
        str(dag_file),
        "--conf",
        json.dumps(dict(conf or {})),
        "--result",
        str(result_path),
    ]
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n===== {datetime.now().isoformat(timespec='seconds')} dag.test() {dag_file.name} =====\n")
        log.flush()
        proc = subprocess.run(  # noqa: S603 - our own module, fixed argv
            cmd, env=dict(env), stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=False
        )
    if not result_path.exists():
        return {"state": "crashed", "returncode": proc.returncode, "log": str(log_path)}
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result_path.unlink()
    result["returncode"] = proc.returncode
    return result


def _child_run_dag(dag_file: Path, conf: dict[str, Any], result_path: Path) -> int:
    """In the child: migrate Airflow's metadata DB, create the Procountor pool, run the DAG with ``dag.test()``, write a
    JSON result."""
    started = time.monotonic()
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.asset import AssetEvent
    from airflow.models.pool import Pool
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.db import initdb
    from airflow.utils.session import create_session
    from sqlalchemy import select

    from taimer_procountor.airflow.pools import ensure_pool

    initdb()
    ensure_pool()
    bag = DagBag(dag_folder=str(dag_file))
    if bag.import_errors:
        result_path.write_text(json.dumps({"state": "import_error", "errors": bag.import_errors}), encoding="utf-8")
        return 2
    (dag,) = bag.dags.values()
    dag_run = dag.test(run_conf=conf)
    result: dict[str, Any] = {"dag_id": dag.dag_id, "run_id": dag_run.run_id, "state": str(dag_run.state)}
    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dag_run.run_id)
        ).all()
        result["tasks"] = {
            (ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"): {
                "state": str(ti.state),
                "try_number": ti.try_number,
            }
            for ti in tis
        }
        xcoms = session.execute(
            select(XComModel.task_id, XComModel.map_index, XComModel.value).where(
                XComModel.dag_id == dag.dag_id, XComModel.run_id == dag_run.run_id, XComModel.key == "return_value"
            )
        ).all()
        result["xcom"] = {
            (task_id if map_index < 0 else f"{task_id}[{map_index}]"): _xcom_value(value)
            for task_id, map_index, value in xcoms
        }
        events = session.scalars(select(AssetEvent).where(AssetEvent.source_run_id == dag_run.run_id)).all()
        result["pools"] = {p.pool: p.slots for p in session.scalars(select(Pool)).all()}
        result["asset_events"] = [
            {"uri": e.asset.uri if e.asset is not None else None, "extra": e.extra, "source_task_id": e.source_task_id}
            for e in events
        ]
    result["seconds"] = round(time.monotonic() - started, 2)
    result_path.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0 if result["state"] == "success" else 1


def _xcom_value(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandboxes.dag_runner")
    parser.add_argument("--dag-file", required=True)
    parser.add_argument("--conf", default="{}")
    parser.add_argument("--result", required=True)
    args = parser.parse_args(argv)
    return _child_run_dag(Path(args.dag_file), json.loads(args.conf), Path(args.result))


if __name__ == "__main__":
    sys.exit(main())
