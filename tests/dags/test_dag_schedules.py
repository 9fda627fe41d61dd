"""When each DAG runs and how its tasks are set up, as Airflow serialises it for the scheduler:

- the reference DAG nightly at 01:30 Helsinki time (before the outbound sync): the cron trigger ``30 1 * * *``;
- the inbound DAG six times a day and on the outbound DAG's asset, one run at a time, every task that calls
  Procountor in the shared Procountor pool, tasks retrying with exponential backoff, the documented params.

Each DAG file is parsed by ``DagBag`` in a fresh subprocess (Airflow reads its configuration at import time), with a
throw-away ``AIRFLOW_HOME`` and no metadata DB, like the integrity checks beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.encoders import encode_timetable
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags[sys.argv[2]]
encoded = encode_timetable(dag.timetable)
tasks = {t.task_id: {"pool": t.pool, "retries": t.retries, "backoff": t.retry_exponential_backoff,
                     "trigger_rule": str(t.trigger_rule)} for t in dag.tasks}
print("DAG " + json.dumps({"type": encoded["__type"], "var": encoded["__var"], "catchup": dag.catchup,
                           "max_active_runs": dag.max_active_runs, "errors": list(bag.import_errors),
                           "tasks": tasks, "params": sorted(dag.params.keys()), "doc": bool(dag.doc_md)},
                          default=str))
"""


def probe(dag_file: str, dag_id: str, tmp_path: Path) -> dict[str, Any]:
    """What ``DagBag`` makes of ``dags/<dag_file>``: its timetable, run limits, tasks and params."""
    path = ROOT / "dags" / dag_file
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(tmp_path),
        AIRFLOW__CORE__DAGS_FOLDER=str(path.parent),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        NO_PROXY="*",
    )
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), dag_id],
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
    return got


def test_reference_dag_is_a_nightly_cron_trigger_at_0130_helsinki(tmp_path: Path) -> None:
    got = probe("procountor_reference_sync.py", "procountor_reference_sync", tmp_path)
    assert got["type"].endswith("CronTriggerTimetable")
    assert got["var"]["expression"] == "30 1 * * *"
    assert got["var"]["timezone"] == "Europe/Helsinki"
    assert got["var"]["interval"] == 0.0 and got["catchup"] is False and got["max_active_runs"] == 1


def test_inbound_dag_schedule_pool_retries_and_params(tmp_path: Path) -> None:
    got = probe("procountor_to_taimer.py", "procountor_to_taimer", tmp_path)
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
