"""The inbound DAG runs six times a day and on the outbound DAG's asset, one run at a time; every task that calls
Procountor is in the shared Procountor pool; tasks retry with exponential backoff; the params are the documented ones.

Parsed by ``DagBag`` in a fresh subprocess with a throw-away ``AIRFLOW_HOME`` and no metadata DB, like the integrity
checks beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "procountor_to_taimer.py"

PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.encoders import encode_timetable
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["procountor_to_taimer"]
encoded = encode_timetable(dag.timetable)
tasks = {t.task_id: {"pool": t.pool, "retries": t.retries, "backoff": t.retry_exponential_backoff,
                     "trigger_rule": str(t.trigger_rule)} for t in dag.tasks}
print("DAG " + json.dumps({"type": encoded["__type"], "var": encoded["__var"], "catchup": dag.catchup,
                           "max_active_runs": dag.max_active_runs, "errors": list(bag.import_errors),
                           "tasks": tasks, "params": sorted(dag.params.keys()), "doc": bool(dag.doc_md)},
                          default=str))
"""


def test_inbound_dag_schedule_pool_retries_and_params(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(tmp_path),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAG_FILE.parent),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        NO_PROXY="*",
    )
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(DAG_FILE)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("DAG ")]
    assert lines, proc.stderr[-3000:]
    got = json.loads(lines[-1].removeprefix("DAG "))
    assert got["errors"] == [] and got["doc"] is True
    assert got["type"].endswith("AssetOrTimeSchedule")
    text = json.dumps(got["var"])
    assert "45 6-21/3 * * *" in text and "Europe/Helsinki" in text
    assert "taimer_procountor://outbound-invoices" in text
    assert got["catchup"] is False and got["max_active_runs"] == 1
    tasks = got["tasks"]
    assert {t for t, v in tasks.items() if v["pool"] == "procountor_api"} == {
        "load_bills",
        "push_approvals",
        "apply_payments",
    }
    assert all(v["retries"] == 2 and v["backoff"] for v in tasks.values())
    assert tasks["report"]["trigger_rule"].lower().endswith("all_done")
    assert got["params"] == ["date_from", "date_to", "dry_run", "verify_first"]
