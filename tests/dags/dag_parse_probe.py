"""Parse DAG files the way Airflow's DAG processor does, offline, and report what happened as JSON.

Run by tests/dags/test_dag_integrity.py in a fresh subprocess per DAG file (so ``sys.modules`` tells exactly what
one file imports), never collected by pytest itself::

    python tests/dags/dag_parse_probe.py PATH     # PATH: a DAG file or a folder

Before Airflow is even imported, a socket guard replaces ``socket.socket.connect``/``connect_ex``,
``socket.create_connection`` and the resolver functions: any attempt to reach the network (or to resolve a name)
at parse time is recorded and refused with ``OSError``. The environment (set by the test) holds the connections
and variables as ``AIRFLOW_CONN_*`` / ``AIRFLOW_VAR_*``, so parsing needs neither secrets nor a metadata DB.

The folder is parsed twice through ``DagBag``: once with ``[scheduler] catchup_by_default`` True and once False.
A DAG whose ``catchup`` follows the default did not set it explicitly.

Output: one line ``PROBE-RESULT {json}`` on stdout (see ``main`` for the fields).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import traceback
from typing import Any

NETWORK_ATTEMPTS: list[str] = []


class NetworkBlockedError(OSError):
    """Raised instead of reaching the network while a DAG file is parsed."""


def _install_socket_guard() -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def refuse(what: str) -> NetworkBlockedError:
        NETWORK_ATTEMPTS.append(what)
        return NetworkBlockedError(f"network access at DAG parse time is not allowed: {what}")

    def is_inet(sock: socket.socket) -> bool:
        return sock.family in (socket.AF_INET, socket.AF_INET6)

    def connect(self: socket.socket, address: Any) -> None:
        if is_inet(self):
            raise refuse(f"socket.connect({address!r})")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if is_inet(self):
            raise refuse(f"socket.connect_ex({address!r})")
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        raise refuse(f"socket.create_connection({address!r})")

    def resolver(name: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            raise refuse(f"socket.{name}{args!r}")

        return blocked

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.create_connection = create_connection  # type: ignore[assignment]
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        setattr(socket, name, resolver(name))


# A task calls Procountor when its callable imports the Procountor hook (how every task body gets a client).
PROCOUNTOR_MARKERS = frozenset({"ProcountorHook", "taimer_procountor.airflow.procountor_hook"})


def _names_in(code: Any) -> set[str]:
    """Every name a code object and the code objects nested in it use (globals, attributes, imports, locals)."""
    names = set(code.co_names) | set(code.co_varnames)
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            names |= _names_in(const)
    return names


def _task_info(task: Any) -> dict[str, Any]:
    callable_ = getattr(task, "python_callable", None)
    if callable_ is None:  # a mapped @task keeps its function in the partial kwargs
        callable_ = (getattr(task, "partial_kwargs", None) or {}).get("python_callable")
    return {
        "task_id": task.task_id,
        "pool": getattr(task, "pool", None),
        "pool_slots": getattr(task, "pool_slots", None),
        "calls_procountor": _calls_procountor(callable_, set()),
    }


def _calls_procountor(fn: Any, seen: set[int]) -> bool:
    """Whether ``fn``, or a function of the DAG file it calls (a shared ``_run_step`` helper), imports the hook."""
    code = getattr(fn, "__code__", None)
    if code is None or id(fn) in seen:
        return False
    seen.add(id(fn))
    names = _names_in(code)
    if names & PROCOUNTOR_MARKERS:
        return True
    module_globals = getattr(fn, "__globals__", {})
    return any(
        _calls_procountor(helper, seen)
        for helper in (module_globals.get(name) for name in names)
        if callable(helper) and getattr(helper, "__module__", None) == getattr(fn, "__module__", None)
    )


def _describe(dag: Any, catchup_by_default: bool) -> dict[str, Any]:
    default_args = dict(dag.default_args or {})
    timezone = getattr(dag, "timezone", None)
    start_date = dag.start_date or default_args.get("start_date")
    return {
        "dag_id": dag.dag_id,
        "fileloc": dag.fileloc,
        "tags": sorted(dag.tags or []),
        "doc_md": dag.doc_md,
        "default_args_keys": sorted(default_args),
        "owner": default_args.get("owner"),
        "retries": default_args.get("retries"),
        "task_retries": sorted({int(task.retries or 0) for task in dag.tasks}),
        "catchup": {str(catchup_by_default): bool(dag.catchup)},
        "timezone": getattr(timezone, "name", None) or (str(timezone) if timezone is not None else None),
        "start_date": start_date.isoformat() if start_date is not None else None,
        "task_count": len(dag.tasks),
        "tasks": [_task_info(task) for task in dag.tasks],
    }


def main(path: str) -> dict[str, Any]:
    _install_socket_guard()
    started = time.perf_counter()
    import airflow.sdk  # noqa: F401 - what every DAG file imports; part of the baseline, not of the file's cost
    from airflow.dag_processing.dagbag import DagBag

    baseline = set(sys.modules)
    airflow_import_seconds = time.perf_counter() - started

    dags: dict[str, dict[str, Any]] = {}
    import_errors: dict[str, str] = {}
    parse_seconds: list[float] = []
    for catchup_by_default in (True, False):
        os.environ["AIRFLOW__SCHEDULER__CATCHUP_BY_DEFAULT"] = str(catchup_by_default)
        started = time.perf_counter()
        bag = DagBag(dag_folder=path)
        parse_seconds.append(time.perf_counter() - started)
        import_errors.update({str(k): str(v) for k, v in bag.import_errors.items()})
        for dag_id, dag in bag.dags.items():
            info = _describe(dag, catchup_by_default)
            if dag_id in dags:
                dags[dag_id]["catchup"].update(info["catchup"])
            else:
                dags[dag_id] = info
        if catchup_by_default:  # the second parse re-runs the same files: measure the first one only
            loaded_by_file = sorted(set(sys.modules) - baseline)
            network_attempts = list(NETWORK_ATTEMPTS)
    return {
        "path": path,
        "airflow_import_seconds": round(airflow_import_seconds, 3),
        "parse_seconds": round(parse_seconds[0], 3),
        "import_errors": import_errors,
        "dags": list(dags.values()),
        "network_attempts": network_attempts,
        "modules_loaded_by_dag_files": loaded_by_file,
        "modules_in_baseline": sorted(baseline),
    }


if __name__ == "__main__":
    try:
        result = main(sys.argv[1])
    except BaseException:
        result = {"path": sys.argv[1], "probe_crashed": traceback.format_exc()}
    print("PROBE-RESULT " + json.dumps(result, default=str), flush=True)
