"""DAG integrity: every file in dags/ parses offline, cheaply and by the project's conventions.

In the style of the Astro CLI Airflow 3 template's ``tests/dags/test_dag_example.py``, but each DAG file is parsed in a
fresh subprocess (``dag_parse_probe.py`` beside this file), so that:

- a socket guard installed before Airflow is imported proves the file opens no connection and resolves no name;
- ``sys.modules`` after the parse says exactly which modules the file pulled in (the heavy ones must wait for a task);
- connections and variables come from ``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*`` pointing nowhere, so no secret is needed;
- ``AIRFLOW_HOME`` is a temporary folder and nothing touches a metadata DB: ``DagBag`` parses without one on 3.3.2.

The checks are plain functions over the probe's report (``problems_in``, ``duplicate_dag_ids``); the self-tests at
the bottom run them on a conforming and on deliberately broken DAG files in ``tmp_path``, proving each check can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

ROOT = Path(__file__).resolve().parents[2]
# TP_INTEGRITY_DAGS_FOLDER lets the same checks run over another folder (e.g. to try them on a draft DAG).
DAGS_FOLDER = Path(os.environ.get("TP_INTEGRITY_DAGS_FOLDER") or ROOT / "dags").resolve()
PROBE = Path(__file__).with_name("dag_parse_probe.py")
DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if p.name != "__init__.py")
TIMEZONE = "Europe/Helsinki"

# Modules a DAG file must not import at parse time (prefix match): they are slow to import or open the way to
# I/O. They belong inside task functions (docs/ENGINEERING.md, "Rules every module follows"). A flow's own names
# (``taimer_procountor.reference.kinds``: well under a millisecond) may be imported at the top; the modules that do
# the work are caught by what they pull in (the clients, the ledger, the Taimer models, the identifier libraries).
HEAVY_MODULES = (
    "great_expectations",  # ~6 s to import
    "pandas",
    "numpy",
    "pyarrow",
    "alembic",
    "schwifty",  # IBAN/BIC and Finnish identifiers (with python-stdnum): ~50 ms, pulled in by the checks
    "stdnum",
    "taimer_procountor.ledger",  # SQLAlchemy ORM models and migrations of the sync ledger
    "taimer_procountor.procountor",  # requests-based API client
    "taimer_procountor.taimer",  # requests-based API client and the pydantic models of Taimer's documents
    "taimer_procountor.http",
    "taimer_procountor.inbound",
    "sandboxes",
)

# Connections and variables a DAG file may look up at parse time. They point nowhere (port 9 on loopback, never
# contacted: the socket guard would report it): parsing must never need a real secret.
PARSE_TIME_CONNECTIONS = {
    "procountor_default": {
        "conn_type": "http",
        "host": "http://127.0.0.1:9/api",
        "login": "parse-only-client",
        "password": "parse-only-secret",
        "extra": {"api_key": "parse-only-api-key", "rate_per_second": 20},
    },
    "taimer_default": {"conn_type": "http", "host": "http://127.0.0.1:9/api/v1", "password": "parse-only-key"},
    "taimer_procountor_ledger": {"conn_type": "sqlite", "host": "/nonexistent/parse-only-ledger.sqlite"},
}
# Add a dummy value here for every Airflow Variable a DAG file reads at parse time (better: read it in a task or a
# template, where it is not needed for parsing at all).
PARSE_TIME_VARIABLES: dict[str, str] = {}


def parse_env(airflow_home: Path, dags_folder: Path, variables: dict[str, str] | None = None) -> dict[str, str]:
    """The probe's environment: no proxy, a throw-away AIRFLOW_HOME, connections and variables as env vars."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AIRFLOW") and key.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    env.update(
        NO_PROXY="*",
        no_proxy="*",
        PYTHONDONTWRITEBYTECODE="1",
        AIRFLOW_HOME=str(airflow_home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags_folder),
        AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="True",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{airflow_home / 'airflow.db'}",
    )
    for conn_id, conn in PARSE_TIME_CONNECTIONS.items():
        env[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(conn)
    for name, value in {**PARSE_TIME_VARIABLES, **(variables or {})}.items():
        env[f"AIRFLOW_VAR_{name.upper()}"] = value
    return env


def probe(path: Path, airflow_home: Path, variables: dict[str, str] | None = None) -> dict[str, Any]:
    """Parse ``path`` (a DAG file or folder) in a fresh subprocess and return the probe's report."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    dags_folder = path if path.is_dir() else path.parent
    proc = subprocess.run(
        [sys.executable, str(PROBE), str(path)],
        env=parse_env(airflow_home, dags_folder, variables),
        cwd=airflow_home,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("PROBE-RESULT ")]
    assert lines, f"the parse probe printed no result (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
    report = json.loads(lines[-1].removeprefix("PROBE-RESULT "))
    assert "probe_crashed" not in report, report.get("probe_crashed")
    return report


def heavy_modules_in(report: dict[str, Any]) -> list[str]:
    """Heavy modules present after the parse, whether the DAG file or (wrongly) the baseline imported them."""
    loaded = set(report["modules_loaded_by_dag_files"]) | set(report["modules_in_baseline"])
    return sorted(m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY_MODULES))


def problems_in(report: dict[str, Any], *, require_dag: bool = True) -> list[str]:
    """Everything wrong with one parsed DAG file, as human-readable lines (empty: the file is fine)."""
    problems = [
        f"import error in {path}: {error.strip().splitlines()[-1]}" for path, error in report["import_errors"].items()
    ]
    problems += [f"network access at parse time: {attempt}" for attempt in report["network_attempts"]]
    heavy = heavy_modules_in(report)
    if heavy:
        top = sorted({m.split(".")[0] if not m.startswith("taimer_procountor.") else m for m in heavy})[:10]
        problems.append(f"heavy modules imported at parse time (import them inside tasks): {', '.join(top)}")
    if require_dag and not report["dags"] and not report["import_errors"]:
        problems.append("the file defines no DAG (one DAG per file; helpers belong in include/ or _underscore files)")
    for dag in report["dags"]:
        name = dag["dag_id"]
        if not dag["tags"]:
            problems.append(f"{name}: no tags")
        if not (dag["doc_md"] or "").strip():
            problems.append(f"{name}: no doc_md (use doc_md=__doc__ with a module docstring)")
        if not isinstance(dag["retries"], int) or isinstance(dag["retries"], bool) or dag["retries"] < 1:
            problems.append(f"{name}: default_args has no retries >= 1 (got {dag['retries']!r})")
        if not dag["owner"] or dag["owner"] == "airflow":
            problems.append(f"{name}: default_args has no owner of its own (got {dag['owner']!r})")
        catchup = dag["catchup"]
        if catchup.get("True") != catchup.get("False"):
            problems.append(f"{name}: catchup is not set explicitly (it follows [scheduler] catchup_by_default)")
        if dag["start_date"] is None:
            problems.append(f"{name}: no start_date")
        if dag["timezone"] != TIMEZONE:
            problems.append(f"{name}: start_date timezone is {dag['timezone']!r}, not {TIMEZONE} (use pendulum)")
        for task in dag["tasks"]:
            if task["calls_procountor"] and task["pool"] != PROCOUNTOR_POOL:
                problems.append(
                    f"{name}.{task['task_id']}: calls Procountor outside the {PROCOUNTOR_POOL} pool (pool="
                    f"{task['pool']!r}); set pool=PROCOUNTOR_POOL so every DAG shares one request budget"
                )
    return problems


def duplicate_dag_ids(reports: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """dag_id -> files, for every dag_id defined in more than one file."""
    seen: dict[str, list[str]] = {}
    for report in reports:
        for dag in report["dags"]:
            seen.setdefault(dag["dag_id"], []).append(report["path"])
    return {dag_id: files for dag_id, files in seen.items() if len(files) > 1}


_REPORTS: dict[Path, dict[str, Any]] = {}


@pytest.fixture(scope="session")
def file_report(tmp_path_factory: pytest.TempPathFactory):
    """One subprocess parse per DAG file for the whole session, shared by the tests below."""

    def get(dag_file: Path) -> dict[str, Any]:
        if dag_file not in _REPORTS:
            _REPORTS[dag_file] = probe(dag_file, tmp_path_factory.mktemp(f"airflow-{dag_file.stem}"))
            report = _REPORTS[dag_file]
            print(
                f"{dag_file.name}: DAG file parsed in {report['parse_seconds']:.2f} s "
                f"(Airflow itself {report['airflow_import_seconds']:.2f} s); "
                f"DAGs: {[d['dag_id'] for d in report['dags']]}"
            )
        return _REPORTS[dag_file]

    return get


# --- the project's DAG files -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_parses_offline_without_import_errors(file_report, dag_file: Path) -> None:
    report = file_report(dag_file)
    assert report["import_errors"] == {}
    assert report["network_attempts"] == [], "the DAG file reaches for the network at parse time"


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_keeps_heavy_imports_inside_tasks(file_report, dag_file: Path) -> None:
    report = file_report(dag_file)
    assert heavy_modules_in(report) == []
    # Informational: an HTTP stack at parse time is allowed (providers-http hooks), but worth knowing about.
    print(f"{dag_file.name}: requests imported at parse time: {'requests' in report['modules_loaded_by_dag_files']}")


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.name for p in DAG_FILES])
def test_dag_file_follows_the_project_conventions(file_report, dag_file: Path) -> None:
    report = file_report(dag_file)
    assert problems_in(report, require_dag=not dag_file.name.startswith("_")) == []


# Tasks known to call Procountor: the check above must find at least these (it is not vacuous).
KNOWN_PROCOUNTOR_TASKS = {
    "procountor_reference_sync.fetch_snapshot",
    "taimer_to_procountor.load",
    "taimer_to_procountor.reconcile",
    "procountor_to_taimer.load_bills",  # through the DAG file's own _run_step helper
    "procountor_to_taimer.push_approvals",
    "procountor_to_taimer.apply_payments",
}


def test_every_task_that_calls_procountor_is_found_and_in_the_pool(file_report) -> None:
    found = {}
    for dag_file in DAG_FILES:
        for dag in file_report(dag_file)["dags"]:
            for task in dag["tasks"]:
                if task["calls_procountor"]:
                    found[f"{dag['dag_id']}.{task['task_id']}"] = task["pool"]
    print(f"tasks that call Procountor: {found}")
    assert set(found) >= KNOWN_PROCOUNTOR_TASKS, f"not detected: {KNOWN_PROCOUNTOR_TASKS - set(found)}"
    assert {name: pool for name, pool in found.items() if pool != PROCOUNTOR_POOL} == {}


def test_dag_ids_are_unique_across_files(file_report) -> None:
    assert duplicate_dag_ids(file_report(p) for p in DAG_FILES) == {}


def test_dagbag_over_the_dags_folder_has_no_import_errors(tmp_path: Path) -> None:
    """The whole folder through one DagBag, as the DAG processor sees it (duplicates across files show up here too)."""
    report = probe(DAGS_FOLDER, tmp_path / "airflow")
    assert report["import_errors"] == {}
    assert report["network_attempts"] == []
    for dag in report["dags"]:
        assert Path(dag["fileloc"]).parent == DAGS_FOLDER, dag
    if not DAG_FILES:
        pytest.skip("dags/ holds no DAG file yet: the folder parses clean, nothing else to check")
    assert report["dags"], "dags/ holds Python files but DagBag found no DAG in them"
    print(f"DagBag over dags/: {len(report['dags'])} DAGs in {report['parse_seconds']:.2f} s")


# --- self-tests: the checks above can fail ----------------------------------------------------------------------

GOOD_DAG = '''
"""Self-test DAG that follows every convention.

It also reads a Variable and a connection at parse time, only to prove that the probe's environment patches them.
"""
from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import BaseHook, Variable, dag, task

from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

PROBE_VALUE = Variable.get("tp_integrity_probe")
PROCOUNTOR_HOST = BaseHook.get_connection("procountor_default").host


@dag(
    dag_id="integrity_selftest_good",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="Europe/Helsinki"),
    catchup=False,
    tags=["selftest"],
    doc_md=__doc__,
    description=f"{PROBE_VALUE} {PROCOUNTOR_HOST}",
    default_args={"owner": "data-engineering", "retries": 2, "retry_delay": timedelta(minutes=1)},
)
def integrity_selftest_good():
    @task
    def count() -> int:
        import pandas  # heavy imports belong here, inside the task

        return len(pandas.DataFrame({"a": [1]}))

    @task(pool=PROCOUNTOR_POOL)
    def company() -> str:
        from taimer_procountor.airflow.procountor_hook import ProcountorHook

        return ProcountorHook().get_client().company().name

    @task(pool=PROCOUNTOR_POOL, pool_slots=2)
    def per_kind(kind: str) -> str:
        from taimer_procountor.airflow.procountor_hook import ProcountorHook

        return f"{kind}: {ProcountorHook().get_client()}"

    count()
    company()
    per_kind.expand(kind=["a", "b"])


integrity_selftest_good()
'''

BAD_DAG = """
import socket
from datetime import datetime

import pandas  # heavy at top level
import taimer_procountor.ledger  # the ledger's ORM at top level
from airflow.sdk import dag, task

for target in (lambda: socket.create_connection(("192.0.2.1", 443), timeout=1),
               lambda: socket.socket().connect(("127.0.0.1", 9))):
    try:
        target()
    except OSError:
        pass


def _with_client() -> str:
    from taimer_procountor.airflow.procountor_hook import ProcountorHook

    return str(ProcountorHook().get_client())


@dag(dag_id="integrity_selftest_bad", schedule=None, start_date=datetime(2025, 1, 1), default_args={"owner": "airflow"})
def integrity_selftest_bad():
    @task
    def noop() -> None:
        return None

    @task
    def fetch() -> str:
        from taimer_procountor.airflow.procountor_hook import ProcountorHook

        return ProcountorHook().get_client().company().name

    @task(pool="default_pool")
    def per_kind(kind: str) -> str:
        from taimer_procountor.airflow import procountor_hook

        return f"{kind}: {procountor_hook.ProcountorHook().get_client()}"

    @task
    def via_helper() -> str:
        return _with_client()

    noop()
    fetch()
    per_kind.expand(kind=["a"])
    via_helper()


integrity_selftest_bad()
"""

BROKEN_DAG = """
from airflow.sdk import dag
import taimer_procountor.module_that_does_not_exist
"""


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_selftest_conforming_dag_passes_every_check(tmp_path: Path) -> None:
    dag_file = _write(tmp_path / "dags", "integrity_selftest_good.py", GOOD_DAG)
    report = probe(dag_file, tmp_path / "airflow", variables={"tp_integrity_probe": "patched-by-env"})
    assert problems_in(report) == []
    (dag,) = report["dags"]
    assert dag["dag_id"] == "integrity_selftest_good"
    assert dag["timezone"] == TIMEZONE and dag["catchup"] == {"True": False, "False": False}
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    assert {t for t, info in tasks.items() if info["calls_procountor"]} == {"company", "per_kind"}
    assert (tasks["per_kind"]["pool"], tasks["per_kind"]["pool_slots"]) == (PROCOUNTOR_POOL, 2)
    # pandas is imported by the task body only: parsing did not load it.
    assert "pandas" not in report["modules_loaded_by_dag_files"]


def test_selftest_parse_fails_without_the_patched_variable(tmp_path: Path) -> None:
    dag_file = _write(tmp_path / "dags", "integrity_selftest_good.py", GOOD_DAG)
    report = probe(dag_file, tmp_path / "airflow")  # no AIRFLOW_VAR_TP_INTEGRITY_PROBE this time
    problems = problems_in(report)
    assert len(problems) == 1 and problems[0].startswith("import error"), problems
    assert "tp_integrity_probe" in next(iter(report["import_errors"].values()))


def test_selftest_nonconforming_dag_fails_every_check(tmp_path: Path) -> None:
    dag_file = _write(tmp_path / "dags", "integrity_selftest_bad.py", BAD_DAG)
    report = probe(dag_file, tmp_path / "airflow")
    problems = "\n".join(problems_in(report))
    assert report["import_errors"] == {}, "the bad DAG is meant to parse, just badly"
    assert len(report["network_attempts"]) == 2, report["network_attempts"]
    assert "socket.getaddrinfo" in report["network_attempts"][0] or "create_connection" in report["network_attempts"][0]
    assert "('127.0.0.1', 9)" in report["network_attempts"][1]
    for expected in (
        "network access at parse time",
        "heavy modules imported at parse time",
        "pandas",
        "taimer_procountor.ledger",
        "integrity_selftest_bad: no tags",
        "integrity_selftest_bad: no doc_md",
        "integrity_selftest_bad: default_args has no retries",
        "integrity_selftest_bad: default_args has no owner of its own",
        "integrity_selftest_bad: catchup is not set explicitly",
        "integrity_selftest_bad: start_date timezone is 'UTC'",
        "integrity_selftest_bad.fetch: calls Procountor outside the procountor_api pool (pool='default_pool')",
        "integrity_selftest_bad.per_kind: calls Procountor outside the procountor_api pool",
        "integrity_selftest_bad.via_helper: calls Procountor outside the procountor_api pool",
    ):
        assert expected in problems, f"expected {expected!r} among:\n{problems}"


def test_selftest_import_error_and_duplicate_ids_are_caught(tmp_path: Path) -> None:
    folder = tmp_path / "dags"
    _write(folder, "broken.py", BROKEN_DAG)
    good = GOOD_DAG.replace('Variable.get("tp_integrity_probe")', '"constant"')
    _write(folder, "first.py", good)
    _write(folder, "second.py", good)  # the same dag_id again
    report = probe(folder, tmp_path / "airflow")
    errors = "\n".join(f"{k}: {v}" for k, v in report["import_errors"].items())
    assert "broken.py" in errors and "module_that_does_not_exist" in errors
    assert "integrity_selftest_good" in errors, f"DagBag did not flag the duplicate dag_id:\n{errors}"
    assert any(p.startswith("import error in") for p in problems_in(report))
    # The cross-file check flags the same duplicate from per-file reports.
    fake_reports = [
        {"path": "first.py", "dags": [{"dag_id": "integrity_selftest_good"}]},
        {"path": "second.py", "dags": [{"dag_id": "integrity_selftest_good"}]},
        {"path": "third.py", "dags": [{"dag_id": "other"}]},
    ]
    assert duplicate_dag_ids(fake_reports) == {"integrity_selftest_good": ["first.py", "second.py"]}
