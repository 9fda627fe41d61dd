"""What the native stack runs with: where each part listens, which databases it uses, and the Airflow settings it
shares with docker-compose.yaml.

``SHARED_AIRFLOW_SETTINGS`` are set to the same values by compose's ``x-airflow-common`` environment and by this
stack; ``TOPOLOGY_SETTINGS`` are set by both with values that depend on where the services run (host names,
generated secrets), so only their form is compared. ``CONNECTION_IDS`` are the Airflow connections both define.
tests/unit/test_compose_structure.py holds compose to all three.

Every value of ``StackConfig`` can be set by an environment variable (``TP_STACK_*``, table in docs/production.md)
or an option of ``python -m sandboxes.stack start``. The defaults keep clear of 8080 (a default api-server) and
8793/8794 (Airflow's log servers): the workers and the triggerer serve no logs over the network at all (they would
listen on every interface); the api-server reads every task's log from the shared log folder.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from sandboxes.demo import program as demo
from sandboxes.stack.hostname import HOSTNAME_ENV
from taimer_procountor.airflow.ledger_connection import LEDGER_CONN_ID
from taimer_procountor.airflow.pools import PROCOUNTOR_POOL_SLOTS

LOOPBACK = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[3]
AUTH_MANAGER = "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"

SHARED_AIRFLOW_SETTINGS: dict[str, str] = {
    "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
    "AIRFLOW__CORE__AUTH_MANAGER": AUTH_MANAGER,
    "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "true",
    "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
}
TOPOLOGY_SETTINGS: tuple[str, ...] = (
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",  # postgresql+psycopg2://...
    "AIRFLOW__CELERY__BROKER_URL",  # redis://...
    "AIRFLOW__CELERY__RESULT_BACKEND",  # db+postgresql://... (the metadata database)
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",  # http://<api-server>/execution/
    "AIRFLOW__API_AUTH__JWT_SECRET",  # one secret for the api-server and the workers
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
)
CONNECTION_IDS: tuple[str, ...] = ("procountor_default", "taimer_default", LEDGER_CONN_ID)
# The api-server alone also gets the report page's read-only view of the ledger (plugins/taimer_procountor_ui.py).
API_SERVER_CONNECTION_IDS: tuple[str, ...] = ("taimer_procountor_ledger_readonly",)


def _env(name: str, default: Any) -> Any:
    raw = os.environ.get(f"TP_STACK_{name}")
    if raw is None or raw == "":
        return default
    return type(default)(raw)


@dataclass(frozen=True)
class StackConfig:
    """Where the stack's parts listen and what they use. ``var_dir`` holds ``airflow/`` (AIRFLOW_HOME: logs, the
    generated UI password), ``logs/`` (one file per process), ``pids/`` and ``state.json``."""

    var_dir: Path = ROOT / "var" / "stack"
    api_port: int = 28080
    procountor_port: int = 28700
    taimer_port: int = 28701
    # an admin URL of the PostgreSQL server (trust auth); the stack creates its two databases there
    postgres_url: str = f"postgresql+psycopg2://root@{LOOPBACK}:5432/postgres"
    airflow_db: str = "tp_stack_airflow"
    ledger_db: str = "tp_stack_ledger"
    redis_url: str = f"redis://{LOOPBACK}:6379/6"  # a database number of its own
    workers: int = 2
    worker_concurrency: int = 2
    pool_slots: int = PROCOUNTOR_POOL_SLOTS
    # seconds without a heartbeat before the scheduler fails a task whose worker died (Airflow's default is 300)
    heartbeat_timeout: int = 60
    admin_user: str = "admin"
    seed_demo: bool = True  # load the demo company into both sandboxes at start
    extra_env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> StackConfig:
        base = cls()
        values = {
            "var_dir": Path(_env("VAR_DIR", str(base.var_dir))),
            "api_port": _env("API_PORT", base.api_port),
            "procountor_port": _env("PROCOUNTOR_PORT", base.procountor_port),
            "taimer_port": _env("TAIMER_PORT", base.taimer_port),
            "postgres_url": _env("POSTGRES_URL", base.postgres_url),
            "airflow_db": _env("AIRFLOW_DB", base.airflow_db),
            "ledger_db": _env("LEDGER_DB", base.ledger_db),
            "redis_url": _env("REDIS_URL", base.redis_url),
            "workers": _env("WORKERS", base.workers),
            "worker_concurrency": _env("WORKER_CONCURRENCY", base.worker_concurrency),
            "pool_slots": _env("POOL_SLOTS", base.pool_slots),
            "heartbeat_timeout": _env("HEARTBEAT_TIMEOUT", base.heartbeat_timeout),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    # ------------------------------------------------------------------------------------------- derived values
    @property
    def airflow_home(self) -> Path:
        return self.var_dir / "airflow"

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.api_port}"

    @property
    def procountor_url(self) -> str:
        return f"http://{LOOPBACK}:{self.procountor_port}"

    @property
    def taimer_url(self) -> str:
        return f"http://{LOOPBACK}:{self.taimer_port}"

    def database_url(self, name: str) -> str:
        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    @property
    def worker_names(self) -> tuple[str, ...]:
        return tuple(f"worker-{i}" for i in range(1, self.workers + 1))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["var_dir"] = str(self.var_dir)
        data["extra_env"] = dict(self.extra_env)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StackConfig:
        return cls(**{**data, "var_dir": Path(data["var_dir"])})


def connection_env(config: StackConfig) -> dict[str, str]:
    """The ``AIRFLOW_CONN_*`` variables: the sandboxes as the demo points at them, the ledger on its own PostgreSQL
    database, typed and shaped as compose's ``taimer_procountor_ledger``."""
    ledger_url = make_url(config.database_url(config.ledger_db))
    env = demo.connection_env(config.procountor_url, config.taimer_url, config.database_url(config.ledger_db))
    env["AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER"] = json.dumps(
        {
            "conn_type": "postgres",
            "host": ledger_url.host,
            "port": ledger_url.port,
            "schema": ledger_url.database,
            "login": ledger_url.username,
            "extra": {
                "sqlalchemy_url": ledger_url.render_as_string(hide_password=False),
                "pseudonym_key": demo.DEMO_PSEUDONYM_KEY,
            },
        }
    )
    return env


def api_server_connection_env(config: StackConfig) -> dict[str, str]:
    """The report page's ledger connection. Compose gives it a SELECT-only role; here it is the same database user
    (this PostgreSQL is shared and trust-authenticated), and the page still opens only read-only transactions."""
    url = config.database_url(config.ledger_db)
    return {
        "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER_READONLY": json.dumps(
            {"conn_type": "postgres", "extra": {"sqlalchemy_url": url}}
        )
    }


def airflow_env(config: StackConfig, secrets: Mapping[str, str]) -> dict[str, str]:
    """The environment of every Airflow process of the stack: this process's environment without its ``AIRFLOW*``
    settings, then the shared settings, the topology, the connections and ``extra_env``."""
    metadata = config.database_url(config.airflow_db)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.pop(HOSTNAME_ENV, None)
    env.update(SHARED_AIRFLOW_SETTINGS)
    env.update(
        {
            "AIRFLOW_HOME": str(config.airflow_home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "sandboxes.stack.hostname.stack_hostname",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__CELERY__BROKER_URL": config.redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(config.worker_concurrency),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{config.api_url}/execution/",
            "AIRFLOW__API__BASE_URL": config.api_url,
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(config.api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets["jwt_secret"],
            "AIRFLOW__CORE__FERNET_KEY": secrets["fernet_key"],
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{config.admin_user}:admin",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": str(config.heartbeat_timeout),
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "TAIMER_PROCOUNTOR_POOL_SLOTS": str(config.pool_slots),
            "NO_PROXY": f"{LOOPBACK},localhost",
            "no_proxy": f"{LOOPBACK},localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(connection_env(config))
    env.update(config.extra_env)
    return env
