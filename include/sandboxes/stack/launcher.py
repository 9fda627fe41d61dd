"""Start, watch and stop the native stack's processes (``python -m sandboxes.stack start|stop|status``).

Start: create the two PostgreSQL databases (Airflow's metadata, the ledger), migrate Airflow's, create the
``procountor_api`` pool, start both sandboxes (seeded with the demo company unless told not to), then the
api-server, scheduler, dag-processor, triggerer and the Celery workers, and wait until the api-server's health
says the scheduler, triggerer and dag-processor beat and every worker said it is ready.

Every process starts in a session of its own (its process group), with its output in ``var/stack/logs/<name>.log``
and its pid in ``var/stack/pids/<name>.pid``; ``state.json`` records the lot for ``stop`` and ``status``. A
process's session is inherited by all it starts, so ``stop`` finds and ends whatever a part left behind (an
Airflow task runner lives in a process group of its own, but in its worker's session).

Stop: SIGTERM to each part, newest first (workers finish their running tasks: a warm shutdown), SIGKILL to whatever
still runs after ``STOP_GRACE_SECONDS``.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import requests

from sandboxes.stack.hostname import HOSTNAME_ENV
from sandboxes.stack.rest import AirflowApi, generated_password
from sandboxes.stack.settings import ROOT, StackConfig, airflow_env, api_server_connection_env
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL, PROCOUNTOR_POOL_DESCRIPTION

STOP_GRACE_SECONDS = 30
START_TIMEOUT_SECONDS = 240


class StackError(RuntimeError):
    pass


@dataclass(frozen=True)
class Part:
    """One long-running process of the stack."""

    name: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()


def _airflow(*args: str) -> tuple[str, ...]:
    return (str(Path(sys.executable).with_name("airflow")), *args)


def parts(config: StackConfig) -> list[Part]:
    """The processes, in start order."""
    python = sys.executable
    listed = [
        Part(
            "procountor-sandbox",
            (python, "-m", "sandboxes.procountor", "--host", "127.0.0.1", "--port", str(config.procountor_port)),
        ),
        Part(
            "taimer-sandbox",
            (python, "-m", "sandboxes.taimer", "--host", "127.0.0.1", "--port", str(config.taimer_port)),
        ),
        Part("api-server", _airflow("api-server"), tuple(api_server_connection_env(config).items())),
        Part("scheduler", _airflow("scheduler")),
        Part("dag-processor", _airflow("dag-processor")),
        Part("triggerer", _airflow("triggerer", "--skip-serve-logs")),
    ]
    for name in config.worker_names:
        argv = _airflow(
            "celery",
            "worker",
            "--celery-hostname",
            f"{name}@%h",
            "--concurrency",
            str(config.worker_concurrency),
            "--skip-serve-logs",
        )
        listed.append(Part(name, argv, ((HOSTNAME_ENV, name),)))
    return listed


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _sessions_processes(sessions: Iterable[int]) -> list[psutil.Process]:
    """Every live process in one of these sessions: a part and everything under it, even what was orphaned or
    moved to a process group of its own (an Airflow task runner), since only ``setsid`` leaves a session."""
    wanted = set(sessions)
    found = []
    for pid in psutil.pids():
        try:
            if pid != os.getpid() and os.getsid(pid) in wanted:
                proc = psutil.Process(pid)
                if _alive(proc):
                    found.append(proc)
        except (ProcessLookupError, PermissionError, psutil.NoSuchProcess):
            continue
    return found


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _signal_all(procs: Iterable[psutil.Process], sig: int) -> None:
    for proc in procs:
        try:
            proc.send_signal(sig)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


class Stack:
    """One native stack. ``Stack(config).start()`` in one process, ``Stack.attach(var_dir).stop()`` in another."""

    def __init__(self, config: StackConfig, stack_id: str | None = None) -> None:
        self.config = config
        self.stack_id = stack_id or uuid.uuid4().hex[:12]
        self.pids: dict[str, int] = {}
        self._env: dict[str, str] | None = None

    # ---------------------------------------------------------------------------------------------- paths
    @property
    def logs_dir(self) -> Path:
        return self.config.var_dir / "logs"

    @property
    def pids_dir(self) -> Path:
        return self.config.var_dir / "pids"

    @property
    def state_file(self) -> Path:
        return self.config.var_dir / "state.json"

    def log_file(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    @classmethod
    def attach(cls, var_dir: Path) -> Stack:
        """The stack whose state is in ``var_dir`` (raises ``StackError`` when none was started there)."""
        path = var_dir / "state.json"
        if not path.exists():
            raise StackError(f"no stack state in {path}: nothing started there")
        state = json.loads(path.read_text(encoding="utf-8"))
        stack = cls(StackConfig.from_json(state["config"]), stack_id=state["id"])
        stack.pids = {name: int(pid) for name, pid in state["pids"].items()}
        return stack

    # ---------------------------------------------------------------------------------------------- start
    def env(self) -> dict[str, str]:
        if self._env is None:
            self._env = airflow_env(self.config, self._secrets())
        return self._env

    def _secrets(self) -> dict[str, str]:
        """The api-server's JWT secret and the Fernet key: made once per ``var_dir`` (mode 0600), so a restarted
        stack still reads the connections and variables it encrypted."""
        path = self.config.airflow_home / "stack-secrets.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        from cryptography.fernet import Fernet

        made = {"jwt_secret": secrets.token_urlsafe(32), "fernet_key": Fernet.generate_key().decode()}
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(made, out)
        return made

    def start(self, *, timeout: float = START_TIMEOUT_SECONDS) -> None:
        """Start everything and wait until it is ready; on any failure stop what was started and raise."""
        if self.state_file.exists():
            running = Stack.attach(self.config.var_dir).running()
            if running:
                raise StackError(f"a stack already runs from {self.config.var_dir}: {sorted(running)} (stop it first)")
        busy = [port for port in self._ports() if not _port_free(port)]
        if busy:
            raise StackError(f"ports {busy} are taken on 127.0.0.1: set TP_STACK_*_PORT (docs/production.md)")
        for folder in (self.logs_dir, self.pids_dir, self.config.airflow_home):
            folder.mkdir(parents=True, exist_ok=True)
        self._write_state()
        try:
            self._create_databases()
            self._run_once("migrate", _airflow("db", "migrate"))
            self._run_once(
                "pool",
                _airflow("pools", "set", PROCOUNTOR_POOL, str(self.config.pool_slots), PROCOUNTOR_POOL_DESCRIPTION),
            )
            for part in parts(self.config):
                self._spawn(part)
                if part.name.endswith("-sandbox"):
                    self._wait_http(part.name, self._sandbox_url(part.name) + "/_control/health", timeout)
                if part.name == "taimer-sandbox" and self.config.seed_demo:
                    seed_demo(self.config.procountor_url, self.config.taimer_url)
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _ports(self) -> tuple[int, ...]:
        return (self.config.api_port, self.config.procountor_port, self.config.taimer_port)

    def _sandbox_url(self, name: str) -> str:
        return self.config.procountor_url if name == "procountor-sandbox" else self.config.taimer_url

    def _create_databases(self) -> None:
        from sqlalchemy import create_engine, text

        admin = create_engine(self.config.postgres_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                existing = set(conn.execute(text("select datname from pg_database")).scalars())
                for name in (self.config.airflow_db, self.config.ledger_db):
                    if name not in existing:
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()

    def _run_once(self, name: str, argv: Sequence[str]) -> None:
        with self.log_file(name).open("w", encoding="utf-8") as log:
            done = subprocess.run(  # noqa: S603 - our own fixed argv
                list(argv), env=self.env(), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, timeout=300, check=False
            )
        if done.returncode != 0:
            raise StackError(f"{' '.join(argv[1:3])} failed ({done.returncode}):\n{_tail(self.log_file(name))}")

    def _spawn(self, part: Part) -> None:
        env = {**self.env(), **dict(part.env)}
        with self.log_file(part.name).open("a", encoding="utf-8") as log:
            proc = subprocess.Popen(  # noqa: S603 - our own fixed argv
                list(part.argv), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.pids[part.name] = proc.pid
        (self.pids_dir / f"{part.name}.pid").write_text(f"{proc.pid}\n", encoding="utf-8")
        self._write_state()

    def _write_state(self) -> None:
        state = {"id": self.stack_id, "config": self.config.to_json(), "pids": self.pids}
        self.state_file.write_text(json.dumps(state, indent=2), encoding="utf-8")

    def _check_alive(self) -> None:
        for name in self.pids:
            if name not in self.running():
                raise StackError(f"{name} exited during start:\n{_tail(self.log_file(name))}")

    def _wait_http(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if requests.get(url, timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise StackError(f"{name} did not answer {url} within {timeout:.0f} s:\n{_tail(self.log_file(name))}")

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self._wait_http("api-server", f"{self.config.api_url}/api/v2/monitor/health", timeout)
        waiting: list[str] = []
        while time.monotonic() < deadline:
            self._check_alive()
            health = requests.get(f"{self.config.api_url}/api/v2/monitor/health", timeout=5).json()
            waiting = [
                part
                for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                if (health.get(part) or {}).get("status") != "healthy"
            ]
            waiting += [w for w in self.config.worker_names if not self._worker_ready(w)]
            if not waiting:
                return
            time.sleep(1)
        raise StackError(f"not ready within {timeout:.0f} s: {waiting}")

    def _worker_ready(self, name: str) -> bool:
        """Celery logs ``<name>@<host> ready.`` once the worker consumes from the broker."""
        try:
            text = self.log_file(name).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return False
        return f"{name}@" in text and " ready." in text

    # ---------------------------------------------------------------------------------------------- use
    def api(self) -> AirflowApi:
        """A REST API client logged in as the admin user (the simple auth manager's generated password)."""
        password = generated_password(self.config.airflow_home, self.config.admin_user)
        return AirflowApi(self.config.api_url, self.config.admin_user, password)

    def running(self) -> dict[str, int]:
        """The parts whose process is alive, by name."""
        alive = {}
        for name, pid in self.pids.items():
            try:
                if os.getsid(pid) == pid and _alive(psutil.Process(pid)):  # still our session leader
                    alive[name] = pid
            except (ProcessLookupError, psutil.NoSuchProcess):
                continue
        return alive

    def kill(self, name: str, sig: int = signal.SIGKILL) -> list[int]:
        """Send ``sig`` to one part and every process under it at once (a machine losing that worker); returns the
        pids signalled, once they are gone when ``sig`` is SIGKILL."""
        procs = _tree(self.pids[name])
        _signal_all(procs, sig)
        if sig == signal.SIGKILL:
            psutil.wait_procs(procs, timeout=10)
        return [p.pid for p in procs]

    def status(self) -> dict[str, Any]:
        running = self.running()
        status: dict[str, Any] = {
            "id": self.stack_id,
            "api": self.config.api_url,
            "parts": {name: ("running" if name in running else "stopped") for name in self.pids},
        }
        if "api-server" in running:
            try:
                status["health"] = requests.get(f"{self.config.api_url}/api/v2/monitor/health", timeout=5).json()
            except requests.RequestException as exc:
                status["health"] = f"unreachable: {type(exc).__name__}"
        return status

    # ---------------------------------------------------------------------------------------------- stop
    def stop(self, grace: float = STOP_GRACE_SECONDS) -> list[int]:
        """SIGTERM each part (newest first), then SIGKILL whatever of the stack still runs after ``grace``
        seconds; returns the pids that had to be killed. Afterwards no process is left in the stack's sessions."""
        for name in reversed(list(self.pids)):
            if name in self.running():
                _signal_all(_tree(self.pids[name])[:1], signal.SIGTERM)
        deadline = time.monotonic() + grace
        left = self._live_processes()
        while left and time.monotonic() < deadline:
            time.sleep(0.5)
            left = [p for p in left if _alive(p)]
        left = self._live_processes()
        _signal_all(left, signal.SIGKILL)
        psutil.wait_procs(left, timeout=10)
        for pid_file in self.pids_dir.glob("*.pid"):
            pid_file.unlink()
        self.state_file.unlink(missing_ok=True)
        return [p.pid for p in left]

    def _live_processes(self) -> list[psutil.Process]:
        return _sessions_processes(self.pids.values())

    def leftovers(self) -> list[int]:
        """Pids of live processes still in one of the stack's sessions (none after ``stop``)."""
        return [p.pid for p in self._live_processes()]


def seed_demo(procountor_url: str, taimer_url: str) -> tuple[Any, Any]:
    """Load the demo company (``sandboxes.demo``'s scenario) into both sandboxes; returns
    ``(TaimerDataset, ProcountorFixture)``."""
    from sandboxes.demo import program as demo

    taimer_data, fixture = demo.scenario()
    for url, body in (
        (f"{procountor_url}/_control/fixture", fixture.model_dump(mode="json")),
        (f"{taimer_url}/_control/fixture", taimer_data.model_dump(mode="json")),
    ):
        requests.post(url, json=body, timeout=30).raise_for_status()
    return taimer_data, fixture
