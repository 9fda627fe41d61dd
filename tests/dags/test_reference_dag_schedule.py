"""The reference DAG runs nightly at 01:30 Helsinki time (before the outbound sync): its timetable, as Airflow
serialises it for the scheduler, is the cron trigger ``30 1 * * *`` in Europe/Helsinki.

The DAG file is parsed by ``DagBag`` in a fresh subprocess (Airflow reads its configuration at import time), with a
throw-away ``AIRFLOW_HOME`` and no metadata DB, like the integrity checks beside this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAG_FILE = ROOT / "dags" / "procountor_reference_sync.py"

PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.encoders import encode_timetable
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.dags["procountor_reference_sync"]
encoded = encode_timetable(dag.timetable)
print("SCHEDULE " + json.dumps({"type": encoded["__type"], "var": encoded["__var"], "catchup": dag.catchup,
                                "max_active_runs": dag.max_active_runs, "errors": list(bag.import_errors)}))
"""


def test_reference_dag_is_a_nightly_cron_trigger_at_0130_helsinki(tmp_path: Path) -> None:
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
    lines = [line for line in proc.stdout.splitlines() if line.startswith("SCHEDULE ")]
    assert lines, proc.stderr[-3000:]
    got = json.loads(lines[-1].removeprefix("SCHEDULE "))
    assert got["errors"] == []
    assert got["type"].endswith("CronTriggerTimetable")
    assert got["var"]["expression"] == "30 1 * * *"
    assert got["var"]["timezone"] == "Europe/Helsinki"
    assert got["var"]["interval"] == 0.0 and got["catchup"] is False and got["max_active_runs"] == 1
