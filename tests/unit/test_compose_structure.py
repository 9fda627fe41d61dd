"""Structural checks of docker-compose.yaml, the Dockerfile and .dockerignore.

This machine kind has no Docker engine (and no `docker compose` plugin), so the multi-machine stack cannot be started
here. These tests read the files the way Compose would (PyYAML with anchors and merge keys, ``${VAR:-default}`` and
``${VAR:?message}`` interpolation with the environment a fresh ``make env`` writes) and check what would otherwise
only fail on a Docker host: services and their wiring, healthchecks, depends_on conditions, images and tags, the
Airflow connections (parsed by Airflow itself in a subprocess), that no secret has a default, what is published
where, and that the sandbox commands really serve ``/_control/health``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / ".env.example"
MAKE_ENV = ROOT / "scripts" / "make_env.py"

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
    "airflow-triggerer",
    "airflow-init",
    "airflow-cli",
    "flower",
}
SANDBOXES = {"procountor-sandbox": ("sandboxes.procountor", 8700), "taimer-sandbox": ("sandboxes.taimer", 8701)}
DATABASES = {"postgres", "ledger-db", "redis"}
# One-shot or on-demand services: no healthcheck expected.
NOT_LONG_RUNNING = {"airflow-init", "airflow-cli"}
# Ports other parts of the stack take: the api-server, the worker/scheduler log server, the scheduler health
# server, flower, redis, postgres (DESIGN §8).
RESERVED_PORTS = {8080, 8793, 8974, 5555, 6379, 5432}
# Keys of a Compose service this file may use; a typo (`healtcheck`) would otherwise be silently ignored here.
KNOWN_SERVICE_KEYS = {
    "image",
    "build",
    "command",
    "entrypoint",
    "environment",
    "env_file",
    "volumes",
    "ports",
    "expose",
    "healthcheck",
    "restart",
    "depends_on",
    "profiles",
    "user",
}
CONNECTION_VARS = (
    "AIRFLOW_CONN_PROCOUNTOR_DEFAULT",
    "AIRFLOW_CONN_TAIMER_DEFAULT",
    "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER",
)

# A variable whose name says it holds a secret: it must be required (``${X:?message}``), never defaulted.
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|_KEY$|TOKEN|FERNET)", re.IGNORECASE)

_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}")


def _load_make_env():
    spec = importlib.util.spec_from_file_location("make_env", MAKE_ENV)
    assert spec and spec.loader, f"{MAKE_ENV} is missing"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_dotenv(text: str) -> dict[str, str]:
    """``NAME=value`` lines of a .env file (comments and blank lines skipped), as Compose reads them."""
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            out[name.strip()] = value
    return out


# The environment a fresh `make env` writes: the compose file is interpolated with it, as on a real host.
DOTENV = parse_dotenv(_load_make_env().render(ENV_EXAMPLE.read_text(encoding="utf-8"), uid=1000))


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose-style interpolation: ``$$`` -> ``$``, ``${X}``, ``${X:-d}``, ``${X-d}``, ``${X:?msg}`` (a missing or,
    with ``:?``, empty required variable raises ``KeyError``). ``env`` defaults to what ``make env`` writes."""
    env = DOTENV if env is None else env

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, default = match.group("name"), match.group("op"), match.group("default") or ""
        if op == ":-":
            return env.get(name) or default
        if op == "-":
            return env.get(name, default)
        if op in (":?", "?"):
            if name not in env or (op == ":?" and not env[name]):
                raise KeyError(f"${{{name}}} is required: {default}")
            return env[name]
        return env.get(name, "")

    return _VAR.sub(sub, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    assert isinstance(env, dict), "use the mapping form of `environment` so anchors can be merged"
    return {k: "" if v is None else str(v) for k, v in env.items()}


def _command_port(service: dict[str, Any]) -> int:
    command = service["command"]
    assert isinstance(command, list), "sandbox commands are exec-form lists"
    return int(command[command.index("--port") + 1])


def test_compose_declares_every_service_of_the_stack(services: dict[str, Any]) -> None:
    missing = (AIRFLOW_SERVICES | set(SANDBOXES) | DATABASES) - set(services)
    assert not missing, f"services missing from docker-compose.yaml: {sorted(missing)}"
    for name, service in services.items():
        unknown = set(service) - KNOWN_SERVICE_KEYS
        assert not unknown, f"{name}: unknown Compose keys {sorted(unknown)}"
    assert services["airflow-cli"]["profiles"] == ["debug"]
    assert services["flower"]["profiles"] == ["flower"]


def test_airflow_services_merge_the_common_anchor() -> None:
    """Every airflow-* service (and flower) merges `<<: *airflow-common`: checked on the YAML node graph."""
    root = yaml.compose(COMPOSE_FILE.read_text(encoding="utf-8"))
    top = {key.value: value for key, value in root.value}
    common = top["x-airflow-common"]
    service_nodes = {key.value: value for key, value in top["services"].value}
    for name in sorted(AIRFLOW_SERVICES):
        merged = [value for key, value in service_nodes[name].value if key.value == "<<"]
        assert merged, f"{name} does not merge any anchor"
        assert any(node is common for node in merged), f"{name} does not merge the x-airflow-common anchor"
    for name in SANDBOXES:
        merged = [value for key, value in service_nodes[name].value if key.value == "<<"]
        assert any(node is top["x-sandbox-common"] for node in merged), f"{name} does not merge x-sandbox-common"


def test_airflow_services_share_the_common_environment_and_run_celery(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    common_env = _env(compose["x-airflow-common"])
    required = {
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__CORE__AUTH_MANAGER",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__CORE__LOAD_EXAMPLES",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        *CONNECTION_VARS,
    }
    assert not required - set(common_env), f"x-airflow-common lacks {sorted(required - set(common_env))}"
    assert common_env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert common_env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"
    assert common_env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"] == "true"

    pg = {k: interpolate(v) for k, v in _env(services["postgres"]).items()}
    db_url = urlsplit(interpolate(common_env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    assert db_url.scheme == "postgresql+psycopg2"
    assert (db_url.hostname, db_url.username, db_url.password, db_url.path.lstrip("/")) == (
        "postgres",
        pg["POSTGRES_USER"],
        pg["POSTGRES_PASSWORD"],
        pg["POSTGRES_DB"],
    )
    backend = urlsplit(interpolate(common_env["AIRFLOW__CELERY__RESULT_BACKEND"]))
    assert backend.scheme == "db+postgresql"
    assert (backend.hostname, backend.username, backend.password) == ("postgres", "airflow", pg["POSTGRES_PASSWORD"])
    assert urlsplit(common_env["AIRFLOW__CELERY__BROKER_URL"]).hostname == "redis"
    execution_api = urlsplit(common_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (execution_api.hostname, execution_api.port, execution_api.path) == (
        "airflow-apiserver",
        8080,
        "/execution/",
    )

    for name in sorted(AIRFLOW_SERVICES):
        service, env = services[name], _env(services[name])
        assert service["image"] == compose["x-airflow-common"]["image"], name
        assert service["build"] == compose["x-airflow-common"]["build"], name
        for key, value in common_env.items():
            if name == "airflow-init" and key == "_PIP_ADDITIONAL_REQUIREMENTS":
                continue  # init never installs extra packages, as upstream
            assert env.get(key) == value, f"{name}: {key} differs from the common environment"
        expected_user = "0:0" if name == "airflow-init" else "${AIRFLOW_UID:-50000}:0"
        assert service["user"] == expected_user, name
        mounts = dict(interpolate(v).split(":")[::-1] for v in service["volumes"])
        for folder in ("dags", "logs", "config", "plugins"):
            assert mounts.get(f"/opt/airflow/{folder}") == f"./{folder}", f"{name} does not mount ./{folder}"


def test_images_are_pinned_and_airflow_uses_our_build(compose: dict[str, Any], services: dict[str, Any]) -> None:
    for name, family in (("postgres", "postgres"), ("ledger-db", "postgres"), ("redis", "redis")):
        image = services[name]["image"]
        repo, _, tag = image.partition(":")
        assert repo == family, f"{name} runs {image}"
        assert tag and tag != "latest" and re.match(r"\d", tag), f"{name}: image tag must be a pinned version: {image}"
    project_image = compose["x-project-image"]
    assert project_image["build"] == {"context": ".", "dockerfile": "Dockerfile"}
    default_image = interpolate(project_image["image"])
    assert not default_image.endswith(":latest") and ":" in default_image, default_image
    for name in AIRFLOW_SERVICES | set(SANDBOXES):
        assert services[name]["build"] == project_image["build"], f"{name} is not built from ./Dockerfile"
        assert services[name]["image"] == project_image["image"], f"{name} uses another image"


EXPECTED_HEALTHCHECKS = {
    "postgres": ["pg_isready"],
    "ledger-db": ["pg_isready", "taimer_procountor_ledger"],
    "redis": ["redis-cli", "ping"],
    "airflow-apiserver": ["curl", "http://localhost:8080/api/v2/version"],
    "airflow-scheduler": ["curl", "http://localhost:8974/health"],
    "airflow-dag-processor": ["airflow jobs check", "DagProcessorJob"],
    "airflow-triggerer": ["airflow jobs check", "TriggererJob"],
    "airflow-worker": ["celery", "inspect ping", "celery@$${HOSTNAME}"],
    "flower": ["curl", "http://localhost:5555/"],
    "procountor-sandbox": ["curl", "--fail", "http://localhost:8700/_control/health"],
    "taimer-sandbox": ["curl", "--fail", "http://localhost:8701/_control/health"],
}


def test_every_long_running_service_has_a_healthcheck(services: dict[str, Any]) -> None:
    long_running = set(services) - NOT_LONG_RUNNING
    assert set(EXPECTED_HEALTHCHECKS) == long_running, "update EXPECTED_HEALTHCHECKS with the new service"
    for name in sorted(long_running):
        check = services[name].get("healthcheck") or {}
        test = check.get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL"), f"{name} has no healthcheck test"
        text = " ".join(test[1:])
        for needle in EXPECTED_HEALTHCHECKS[name]:
            assert needle in text, f"{name}: healthcheck {text!r} lacks {needle!r}"
        assert services[name].get("restart") == "always", f"{name} should restart after a crash"


EXPECTED_DEPENDS_ON = {
    "airflow-apiserver": {"postgres": "healthy", "redis": "healthy", "airflow-init": "completed"},
    "airflow-scheduler": {"postgres": "healthy", "redis": "healthy", "airflow-init": "completed"},
    "airflow-dag-processor": {"postgres": "healthy", "redis": "healthy", "airflow-init": "completed"},
    "airflow-triggerer": {"postgres": "healthy", "redis": "healthy", "airflow-init": "completed"},
    "airflow-worker": {
        "postgres": "healthy",
        "redis": "healthy",
        "airflow-init": "completed",
        "airflow-apiserver": "healthy",
        "ledger-db": "healthy",
        "procountor-sandbox": "healthy",
        "taimer-sandbox": "healthy",
    },
    "airflow-init": {"postgres": "healthy", "redis": "healthy"},
    "airflow-cli": {"postgres": "healthy", "redis": "healthy"},
    "flower": {"postgres": "healthy", "redis": "healthy", "airflow-init": "completed"},
}
CONDITIONS = {"healthy": "service_healthy", "completed": "service_completed_successfully"}


@pytest.mark.parametrize("name", sorted(EXPECTED_DEPENDS_ON))
def test_depends_on_waits_for_the_right_condition(services: dict[str, Any], name: str) -> None:
    depends = services[name].get("depends_on") or {}
    assert isinstance(depends, dict), f"{name}: use the long depends_on form with conditions"
    actual = {dep: spec.get("condition") for dep, spec in depends.items()}
    expected = {dep: CONDITIONS[kind] for dep, kind in EXPECTED_DEPENDS_ON[name].items()}
    assert actual == expected
    for dep in actual:
        assert dep in services, f"{name} depends on unknown service {dep}"
        if actual[dep] == "service_healthy":
            assert services[dep].get("healthcheck"), f"{name} waits for {dep} to be healthy but it has no healthcheck"


def _connections(compose: dict[str, Any]) -> dict[str, Any]:
    """The AIRFLOW_CONN_* values parsed the way Airflow reads env connections: JSON if it starts with '{', else URI."""
    parsed: dict[str, Any] = {}
    for var in CONNECTION_VARS:
        raw = interpolate(_env(compose["x-airflow-common"])[var]).strip()
        parsed[var] = json.loads(raw) if raw.startswith("{") else urlsplit(raw)
    return parsed


def test_connections_point_at_the_sandboxes_and_the_ledger(compose: dict[str, Any], services: dict[str, Any]) -> None:
    conns = _connections(compose)

    procountor = conns["AIRFLOW_CONN_PROCOUNTOR_DEFAULT"]
    assert procountor["conn_type"] == "http"
    host = urlsplit(procountor["host"])
    assert (host.scheme, host.hostname, host.port, host.path) == ("http", "procountor-sandbox", 8700, "/api")
    assert host.port == _command_port(services["procountor-sandbox"])
    # The connections carry the same credentials the sandbox services are started with (both from .env).
    sandbox_env = {k: interpolate(v) for k, v in _env(services["procountor-sandbox"]).items()}
    assert procountor["login"] == "sandbox-client"
    assert (
        procountor["password"]
        == sandbox_env["PROCOUNTOR_SANDBOX_CLIENT_SECRET"]
        == DOTENV["PROCOUNTOR_SANDBOX_CLIENT_SECRET"]
    )
    assert procountor["extra"]["api_key"] == sandbox_env["PROCOUNTOR_SANDBOX_API_KEY"] != ""
    assert procountor["extra"]["rate_per_second"] == 20

    taimer = conns["AIRFLOW_CONN_TAIMER_DEFAULT"]
    assert taimer["conn_type"] == "http"
    host = urlsplit(taimer["host"])
    assert (host.scheme, host.hostname, host.port, host.path) == ("http", "taimer-sandbox", 8701, "/api/v1")
    assert host.port == _command_port(services["taimer-sandbox"])
    assert taimer["password"] == interpolate(_env(services["taimer-sandbox"])["TAIMER_SANDBOX_API_KEY"]) != ""

    from sqlalchemy.engine import make_url

    ledger = conns["AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER"]
    db = {k: interpolate(v) for k, v in _env(services["ledger-db"]).items()}
    url = make_url(ledger["extra"]["sqlalchemy_url"])
    assert url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg2"
    assert (url.host, url.port, url.username, url.password, url.database) == (
        "ledger-db",
        5432,
        db["POSTGRES_USER"],
        db["POSTGRES_PASSWORD"],
        db["POSTGRES_DB"],
    )
    # The structured fields say the same as the URL (an operator editing one must not leave the other stale).
    assert (ledger["host"], ledger["port"], ledger["login"], ledger["password"], ledger["schema"]) == (
        url.host,
        url.port,
        url.username,
        url.password,
        url.database,
    )
    assert url.database != _env(services["postgres"])["POSTGRES_DB"], "the ledger must not live in Airflow's DB"
    assert ledger["extra"]["pseudonym_key"] == DOTENV["TAIMER_PROCOUNTOR_PSEUDONYM_KEY"] != ""

    # The api-server alone gets the report page's read-only connection, as the role ledger-db's init script makes.
    readonly_raw = interpolate(_env(services["airflow-apiserver"])["AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER_READONLY"])
    readonly = json.loads(readonly_raw)
    ro_url = make_url(readonly["extra"]["sqlalchemy_url"])
    assert (ro_url.host, ro_url.port, ro_url.database) == ("ledger-db", 5432, db["POSTGRES_DB"])
    assert (ro_url.username, ro_url.password) == ("ledger_ui", db["LEDGER_UI_DB_PASSWORD"])
    assert (readonly["login"], readonly["password"]) == (ro_url.username, ro_url.password)
    assert ro_url.password != url.password
    for name in sorted(AIRFLOW_SERVICES - {"airflow-apiserver"}):
        assert "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER_READONLY" not in _env(services[name]), name
    init = ROOT / "docker" / "ledger-db" / "init-readonly-role.sh"
    mounts = {v.split(":")[0]: v.split(":")[1] for v in services["ledger-db"]["volumes"] if v.startswith("./")}
    assert mounts["./docker/ledger-db/init-readonly-role.sh"].startswith("/docker-entrypoint-initdb.d/")
    assert init.exists() and os.access(init, os.X_OK), "the init script must be executable for the postgres image"
    assert "ro_role=ledger_ui" in init.read_text(encoding="utf-8")
    assert mounts["./docker/ledger-db/readonly-role.sql"] in init.read_text(encoding="utf-8")


_AIRFLOW_CONNECTION_PROBE = """
import json
from airflow.sdk import BaseHook
from airflow.providers.http.hooks.http import HttpHook

out = {}
for conn_id in ("procountor_default", "taimer_default", "taimer_procountor_ledger"):
    c = BaseHook.get_connection(conn_id)
    out[conn_id] = {"conn_type": c.conn_type, "host": c.host, "port": c.port, "login": c.login,
                    "password": c.password, "schema": c.schema, "extra": c.extra_dejson}
for conn_id in ("procountor_default", "taimer_default"):
    hook = HttpHook(method="GET", http_conn_id=conn_id)
    hook.get_conn()
    out[conn_id]["base_url"] = hook.base_url
try:  # the ledger's own connection helper, when it has landed: the URL the ledger engine will really use
    from taimer_procountor.airflow.ledger_connection import ledger_url
except ImportError:
    pass
else:
    out["taimer_procountor_ledger"]["engine_url"] = ledger_url().render_as_string(hide_password=False)
print("RESULT " + json.dumps(out))
"""


def test_airflow_itself_reads_the_connections(compose: dict[str, Any], tmp_path: Path) -> None:
    """Airflow 3.3 parses the compose's env connections; HttpHook derives the sandbox base URLs from them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_", "AIRFLOW__"))}
    env.update(
        AIRFLOW_HOME=str(tmp_path / "airflow"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="True",
    )
    for var in CONNECTION_VARS:
        env[var] = interpolate(_env(compose["x-airflow-common"])[var])
    proc = subprocess.run(
        [sys.executable, "-c", _AIRFLOW_CONNECTION_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"Airflow could not read the connections:\n{proc.stderr[-3000:]}"
    got = json.loads(lines[-1].removeprefix("RESULT "))
    assert got["procountor_default"]["base_url"] == "http://procountor-sandbox:8700/api"
    assert got["procountor_default"]["login"] == "sandbox-client"
    assert got["procountor_default"]["password"] == DOTENV["PROCOUNTOR_SANDBOX_CLIENT_SECRET"]
    assert got["procountor_default"]["extra"]["api_key"] == DOTENV["PROCOUNTOR_SANDBOX_API_KEY"]
    assert got["procountor_default"]["extra"]["rate_per_second"] == 20
    assert got["taimer_default"]["base_url"] == "http://taimer-sandbox:8701/api/v1"
    assert got["taimer_default"]["password"] == DOTENV["TAIMER_SANDBOX_API_KEY"]
    ledger = got["taimer_procountor_ledger"]
    assert (ledger["host"], ledger["port"], ledger["schema"]) == ("ledger-db", 5432, "taimer_procountor_ledger")
    assert ledger["extra"]["sqlalchemy_url"].startswith("postgresql+psycopg2://ledger:")
    if "engine_url" in ledger:
        password = DOTENV["LEDGER_DB_PASSWORD"]
        assert (
            ledger["engine_url"] == f"postgresql+psycopg2://ledger:{password}@ledger-db:5432/taimer_procountor_ledger"
        )


@pytest.mark.parametrize("name", sorted(SANDBOXES))
def test_sandbox_service_command_ports_and_healthcheck_agree(services: dict[str, Any], name: str) -> None:
    module, port = SANDBOXES[name]
    service = services[name]
    assert service["command"] == ["python", "-m", module, "--host", "0.0.0.0", "--port", str(port)]  # noqa: S104 - container bind
    assert _command_port(service) not in RESERVED_PORTS
    # For tests and demos only: on the compose network under their service name, never published on the host.
    assert "ports" not in service, f"{name} publishes ports: its control API would be on the network"
    assert [int(p) for p in service["expose"]] == [port]
    assert service["profiles"] == ["sandbox"], f"{name} must only start with --profile sandbox"
    health_url = urlsplit(service["healthcheck"]["test"][-1])
    assert (health_url.port, health_url.path) == (port, "/_control/health")
    assert service["entrypoint"] == ["/usr/bin/dumb-init", "--"], "the sandbox must not go through Airflow's entrypoint"
    assert "user" not in service and "volumes" not in service, "sandboxes run as the image's user and own no files"


def test_no_two_services_publish_the_same_host_port(services: dict[str, Any]) -> None:
    seen: dict[int, str] = {}
    for name, service in services.items():
        for mapping in service.get("ports", []):
            host_port = int(interpolate(str(mapping)).split(":")[-2])
            assert host_port not in seen, f"{name} and {seen[host_port]} both publish {host_port}"
            seen[host_port] = name
    assert seen[8080] == "airflow-apiserver"


@pytest.mark.parametrize("name", sorted(SANDBOXES))
def test_sandbox_module_serves_health_with_the_compose_arguments(services: dict[str, Any], name: str) -> None:
    """Runs the service's own command (on loopback and a free port instead of 0.0.0.0:87xx) and asks for health."""
    module = SANDBOXES[name][0]
    if importlib.util.find_spec(module) is None or importlib.util.find_spec(f"{module}.__main__") is None:
        pytest.skip(f"{module}.__main__ has not landed yet (written concurrently by the sandbox helper)")
    import requests

    from sandboxes.runner import free_port, wait_until_up

    command = list(services[name]["command"])
    port = free_port()
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    assert command[:3] == ["python", "-m", module]
    proc = subprocess.Popen([sys.executable, *command[1:]], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        health = f"http://127.0.0.1:{port}/_control/health"
        try:
            wait_until_up(health, timeout=60)
        except TimeoutError:
            proc.kill()
            output = proc.communicate(timeout=10)[0].decode(errors="replace")
            pytest.fail(f"`python -m {module} --host 127.0.0.1 --port {port}` did not serve health:\n{output[-3000:]}")
        response = requests.get(health, timeout=5)
        assert response.status_code == 200, response.text
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if proc.stdout:
            proc.stdout.close()


def test_fernet_key_placeholder_is_not_a_real_key(compose: dict[str, Any], services: dict[str, Any]) -> None:
    from cryptography.fernet import Fernet

    raw = _env(compose["x-airflow-common"])["AIRFLOW__CORE__FERNET_KEY"]
    assert raw.startswith("${"), "the Fernet key must come from the environment / .env, not from this file"
    with pytest.raises(KeyError):
        interpolate(raw, {})  # required: no default key to fall back on
    Fernet(interpolate(raw).encode())  # what `make env` writes is a key Airflow accepts
    # No literal value anywhere in the file is a usable Fernet key (a committed real key would pass this call).
    for name, service in services.items():
        for key, value in _env(service).items():
            candidate = _VAR.sub("", value).strip()
            if len(candidate) != 44:
                continue
            try:
                Fernet(candidate.encode())
            except ValueError:
                continue
            pytest.fail(f"{name}: {key} holds a real Fernet key")


def _requirements_pin(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        match = re.match(rf"^{re.escape(name)}==(\S+)", line.strip(), flags=re.IGNORECASE)
        if match:
            return match.group(1)
    raise AssertionError(f"{name} is not pinned in requirements.txt")


def test_dockerfile_base_image_matches_the_pinned_airflow_and_python() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()]
    froms = [line for line in lines if line.upper().startswith("FROM ")]
    assert len(froms) == 1, froms
    match = re.fullmatch(r"FROM apache/airflow:(?P<airflow>[\d.]+)-python(?P<python>\d+\.\d+)", froms[0])
    assert match, f"unexpected base image: {froms[0]}"
    assert match.group("airflow") == _requirements_pin("apache-airflow")
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    assert f">={match.group('python')}" in requires.replace(" ", ""), (match.group("python"), requires)
    assert match.group("python") == f"{sys.version_info.major}.{sys.version_info.minor}", "venv and image differ"


def test_dockerfile_installs_pinned_requirements_and_the_project_as_airflow_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    instructions = [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip() and line[0] != "#"]
    user = "root"
    pip_runs: list[tuple[str, str]] = []
    copied: list[str] = []
    for line in instructions:
        op, _, rest = line.partition(" ")
        if op.upper() == "USER":
            user = rest.strip()
        elif op.upper() == "RUN" and "pip install" in rest:
            pip_runs.append((user, rest))
        elif op.upper() == "COPY":
            copied.extend(part for part in rest.split()[:-1] if not part.startswith("--"))
    assert pip_runs, "the Dockerfile installs nothing"
    assert all(u == "airflow" for u, _ in pip_runs), f"pip must run as the airflow user: {pip_runs}"
    assert any("-c constraints.txt" in run and "-r requirements.txt" in run for _, run in pip_runs)
    assert any(re.search(r"pip install [^&]*--no-deps \.(\s|$)", run) for _, run in pip_runs), "project not installed"
    assert not any(re.search(r"(\s-e\s|--editable)", run) for _, run in pip_runs), "the image install is not editable"
    for needed in ("requirements.txt", "constraints.txt", "pyproject.toml", "README.md", "include/"):
        assert needed in copied, f"the Dockerfile does not COPY {needed}"
    assert not any(part.startswith(("dags", "plugins")) for part in copied), "dags/ and plugins/ are mounted, not baked"


def test_dockerignore_keeps_secrets_and_local_state_out_but_not_the_build_inputs() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", ".git"} <= patterns
    for needed in ("requirements.txt", "constraints.txt", "pyproject.toml", "README.md", "include"):
        assert needed not in patterns and f"{needed}/" not in patterns, f".dockerignore hides {needed}"
        assert (ROOT / needed).exists(), f"the Dockerfile copies {needed}, which does not exist"


def _airflow_calls_in_init(services: dict[str, Any], env: dict[str, str]) -> list[list[str]]:
    """Every ``/entrypoint airflow ...`` call of airflow-init's script, as bash itself expands its arguments with the
    container environment ``env`` (compose's ``$$`` already turned into ``$``)."""
    script = interpolate(services["airflow-init"]["command"][1])
    lines = script.replace("\\\n", " ").splitlines()
    calls = [line.strip().removeprefix("/entrypoint airflow ") for line in lines if "/entrypoint airflow " in line]
    out = []
    for call in calls:
        proc = subprocess.run(
            ["bash", "-c", f"printf '%s\\0' {call}"], env=env, capture_output=True, text=True, check=True, timeout=10
        )
        out.append(proc.stdout.split("\0")[:-1])
    return out


@pytest.mark.parametrize("slots_env", ["", "5"])
def test_airflow_init_creates_the_procountor_pool_of_the_configured_size(
    compose: dict[str, Any], services: dict[str, Any], slots_env: str
) -> None:
    """airflow-init runs ``airflow pools set procountor_api <slots> <description>``, read here by Airflow's own CLI
    parser; the slots come from TAIMER_PROCOUNTOR_POOL_SLOTS in the common environment, the same variable the tasks
    divide the rate by (``pools.pool_slots``), and default to ``PROCOUNTOR_POOL_SLOTS``."""
    from airflow.cli.cli_parser import get_parser

    from taimer_procountor.airflow.pools import (
        POOL_SLOTS_ENV,
        PROCOUNTOR_POOL,
        PROCOUNTOR_POOL_DESCRIPTION,
        PROCOUNTOR_POOL_SLOTS,
        pool_slots,
    )

    host_env = {POOL_SLOTS_ENV: slots_env} if slots_env else {}
    raw = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["x-airflow-common"]["environment"]
    container_env = {"PATH": os.environ["PATH"], POOL_SLOTS_ENV: interpolate(str(raw[POOL_SLOTS_ENV]), host_env)}
    pool_calls = [c for c in _airflow_calls_in_init(services, container_env) if c[:2] == ["pools", "set"]]
    assert len(pool_calls) == 1, pool_calls
    args = get_parser().parse_args(pool_calls[0])
    assert args.pool == PROCOUNTOR_POOL
    assert int(args.slots) == pool_slots(container_env) == (int(slots_env) if slots_env else PROCOUNTOR_POOL_SLOTS)
    assert args.description == PROCOUNTOR_POOL_DESCRIPTION
    # Every Airflow service (the workers that run the tasks above all) sees the same size.
    for name in AIRFLOW_SERVICES:
        assert POOL_SLOTS_ENV in _env(services[name]), f"{name} lacks {POOL_SLOTS_ENV}"


def _secret_values_in(text: str) -> list[tuple[str, str]]:
    """(where, raw value) of every secret-looking setting in the compose text: environment keys named like a secret,
    and the ``password`` / ``api_key`` / ``pseudonym_key`` fields and URL passwords inside connection JSON."""
    found = []
    for match in re.finditer(r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*):[ \t]*(?P<value>\S.*)$", text, flags=re.MULTILINE):
        key, value = match.group("key"), match.group("value").strip()
        if SECRET_NAME.search(key) and not value.startswith(("&", "*", ">")) and not key.endswith("_FILE"):
            found.append((key, value.strip("'\"")))
    for match in re.finditer(r'"(?P<key>password|api_key|pseudonym_key)":\s*"(?P<value>[^"]*)"', text):
        found.append((match.group("key"), match.group("value")))
    for match in re.finditer(r"://[A-Za-z0-9_]+:(?P<value>[^@\s]*)@", text):
        found.append(("URL password", match.group("value")))
    return found


def test_no_secret_in_the_compose_file_has_a_default() -> None:
    """Every secret comes from .env as ``${VAR:?message}``: no literal value, no ``:-`` fallback (a published JWT
    secret lets anyone who reads the repository sign an admin token)."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    values = _secret_values_in(text)
    assert len(values) >= 12, f"the scan found too few secrets to be looking at the right things: {values}"
    for where, value in values:
        match = _VAR.fullmatch(value)
        assert match and match.group("op") == ":?", f"{where} = {value!r} is not a required ${{VAR:?message}}"
        assert match.group("default").strip(), f"{where}: say in the message how to set it (make env)"
        assert SECRET_NAME.search(match.group("name")), f"{where} comes from {match.group('name')}, not a secret name"
    # And no variable named like a secret is read with a default anywhere in the file (comments included).
    for match in _VAR.finditer(text):
        if match.group("name") and SECRET_NAME.search(match.group("name")):
            assert match.group("op") == ":?", f"${{{match.group('name')}}} has a default or none is required"


def test_every_required_variable_is_in_env_example_empty_and_make_env_fills_it() -> None:
    lines = COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    required = {m.group("name") for m in _VAR.finditer(text) if m.group("op") == ":?"}
    example = parse_dotenv(ENV_EXAMPLE.read_text(encoding="utf-8"))
    assert required <= set(example), f".env.example lacks {sorted(required - set(example))}"
    for name in required:
        assert example[name] == "", f".env.example must not carry a usable value for {name}"
        with pytest.raises(KeyError):
            interpolate(f"${{{name}:?x}}", example)  # compose refuses the untouched example
        assert len(DOTENV[name]) >= 32, f"make env wrote a short {name}"
    second = parse_dotenv(_load_make_env().render(ENV_EXAMPLE.read_text(encoding="utf-8"), uid=1000))
    assert all(second[name] != DOTENV[name] for name in required), "make env must draw new random values each time"
    assert len(set(DOTENV[name] for name in required)) == len(required), "two secrets got the same value"
    assert DOTENV["AIRFLOW_UID"] == "1000" and DOTENV["AIRFLOW_BIND"] == "127.0.0.1"


def test_make_env_writes_a_private_file_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / ".env"
    run = [sys.executable, str(MAKE_ENV), "--example", str(ENV_EXAMPLE), "--output", str(out)]
    first = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert first.returncode == 0, first.stderr
    written = out.read_text(encoding="utf-8")
    assert (out.stat().st_mode & 0o777) == 0o600
    assert parse_dotenv(written)["AIRFLOW__API_AUTH__JWT_SECRET"]
    second = subprocess.run(run, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode != 0 and "not overwritten" in second.stderr
    assert out.read_text(encoding="utf-8") == written
    assert re.search(r"^env:\n\t.*scripts/make_env\.py", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)


def test_only_the_api_server_is_published_and_on_loopback(services: dict[str, Any]) -> None:
    published = {name: s["ports"] for name, s in services.items() if s.get("ports")}
    assert set(published) <= {"airflow-apiserver", "flower"}, published
    assert services["airflow-apiserver"]["ports"] == ["${AIRFLOW_BIND:-127.0.0.1}:8080:8080"]
    for name, mappings in published.items():
        for mapping in mappings:
            for env in ({}, DOTENV):
                host_ip = interpolate(str(mapping), env).rsplit(":", 2)[0]
                assert host_ip == "127.0.0.1", f"{name} publishes {mapping} on {host_ip!r}, not loopback"
    assert services["flower"]["profiles"] == ["flower"]


def test_the_worker_waits_for_the_sandboxes_only_when_their_profile_runs(services: dict[str, Any]) -> None:
    depends = services["airflow-worker"]["depends_on"]
    for name in SANDBOXES:
        assert depends[name].get("required") is False, f"the worker must start without the {name} profile"
    for name, dep in depends.items():
        if name not in SANDBOXES:
            assert dep.get("required", True) is True, name


def test_dockerfile_runs_pip_check_after_installing_and_our_venv_passes_it() -> None:
    """The image installs our freeze over the base image's providers; ``pip check`` after the last install catches
    a broken requirement at build time. The same check on our own venv (built from the same freeze) passes."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    runs = [line.strip() for line in text.splitlines() if line.strip().upper().startswith("RUN ")]
    installs = [i for i, run in enumerate(runs) if "pip install" in run]
    checks = [i for i, run in enumerate(runs) if re.search(r"(^RUN|&&)\s*pip check(\s|$)", run)]
    assert checks, "the Dockerfile never runs `pip check`"
    last_install = runs[installs[-1]]
    assert installs[-1] in checks and last_install.index("pip check") > last_install.rindex("pip install"), (
        "`pip check` must run after the last pip install"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "check"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"pip check fails in our venv:\n{proc.stdout}{proc.stderr}"


# ------------------------------------------------------------------------------------------ compose ≡ native stack
# `make stack` (sandboxes.stack) is the same topology without containers; both take what must be equal from
# sandboxes.stack.settings, and these tests hold compose to it (docs/production.md).


def _native_env() -> dict[str, str]:
    from sandboxes.stack.settings import StackConfig, airflow_env

    return airflow_env(StackConfig(), {"jwt_secret": "test-jwt", "fernet_key": "test-fernet"})


def test_compose_and_the_native_stack_share_the_airflow_settings(compose: dict[str, Any]) -> None:
    from sandboxes.stack.settings import SHARED_AIRFLOW_SETTINGS, TOPOLOGY_SETTINGS

    common = {k: interpolate(v) for k, v in _env(compose["x-airflow-common"]).items()}
    native = _native_env()
    assert {k: common.get(k) for k in SHARED_AIRFLOW_SETTINGS} == SHARED_AIRFLOW_SETTINGS
    assert {k: native[k] for k in SHARED_AIRFLOW_SETTINGS} == SHARED_AIRFLOW_SETTINGS
    assert not set(TOPOLOGY_SETTINGS) - set(common), "compose lacks a topology setting the native stack sets"
    assert not set(TOPOLOGY_SETTINGS) - set(native)
    for env in (common, native):
        assert urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).scheme == "postgresql+psycopg2"
        assert urlsplit(env["AIRFLOW__CELERY__BROKER_URL"]).scheme == "redis"
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
        assert urlsplit(env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]).path == "/execution/"
        assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"].endswith(":admin")
    # the result backend is the metadata database in both
    for env in (common, native):
        backend = urlsplit(env["AIRFLOW__CELERY__RESULT_BACKEND"].removeprefix("db+"))
        metadata = urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
        assert (backend.hostname, backend.path) == (metadata.hostname, metadata.path)


def test_compose_and_the_native_stack_define_the_same_connections(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    from sandboxes.stack.settings import CONNECTION_IDS

    common = {k: interpolate(v) for k, v in _env(compose["x-airflow-common"]).items()}
    native = _native_env()
    conn_vars = {f"AIRFLOW_CONN_{conn_id.upper()}" for conn_id in CONNECTION_IDS}
    assert {k for k in common if k.startswith("AIRFLOW_CONN_")} == conn_vars
    assert {k for k in native if k.startswith("AIRFLOW_CONN_")} == conn_vars
    for var in sorted(conn_vars):
        ours, theirs = json.loads(native[var]), json.loads(common[var].strip())
        assert ours["conn_type"] == theirs["conn_type"], var
        if ours["conn_type"] == "http":  # the API roots' paths
            assert urlsplit(ours["host"]).path == urlsplit(theirs["host"]).path, var
        needed = {"api_key", "rate_per_second", "sqlalchemy_url", "pseudonym_key"}
        assert set(ours.get("extra", {})) & needed == set(theirs.get("extra", {})) & needed, var
    # the api-server alone gets the report page's read-only ledger connection, in both
    from sandboxes.stack.settings import API_SERVER_CONNECTION_IDS, StackConfig, api_server_connection_env

    api_server = {k: interpolate(v) for k, v in _env(services["airflow-apiserver"]).items()}
    extra_ids = {k.removeprefix("AIRFLOW_CONN_").lower() for k in api_server if k.startswith("AIRFLOW_CONN_")}
    assert extra_ids - set(CONNECTION_IDS) == set(API_SERVER_CONNECTION_IDS)
    native_extra = {k.removeprefix("AIRFLOW_CONN_").lower() for k in api_server_connection_env(StackConfig())}
    assert native_extra == set(API_SERVER_CONNECTION_IDS)
    ledger = json.loads(native["AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER"])
    assert urlsplit(ledger["extra"]["sqlalchemy_url"]).scheme == "postgresql+psycopg2"
    # the ledger is a database of its own, never Airflow's metadata database
    assert (
        urlsplit(ledger["extra"]["sqlalchemy_url"]).path != urlsplit(native["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).path
    )


def test_compose_and_the_native_stack_run_the_same_parts_and_pool(services: dict[str, Any]) -> None:
    from sandboxes.stack.launcher import parts
    from sandboxes.stack.settings import StackConfig
    from taimer_procountor.airflow.pools import PROCOUNTOR_POOL

    config = StackConfig()
    native_commands = {
        " ".join(itertools.takewhile(lambda a: not a.startswith("-"), p.argv[1:]))
        for p in parts(config)
        if Path(p.argv[0]).name == "airflow"
    }
    compose_commands = {
        str(services[name]["command"])
        for name in AIRFLOW_SERVICES - NOT_LONG_RUNNING - {"flower"}
        if isinstance(services[name].get("command"), str)
    }
    assert compose_commands == {"api-server", "scheduler", "dag-processor", "triggerer", "celery worker"}
    assert native_commands == compose_commands
    assert sum(1 for p in parts(config) if p.argv[1:3] == ("celery", "worker")) == 2
    init = "\n".join(services["airflow-init"]["command"])
    assert f"airflow pools set {PROCOUNTOR_POOL} " in init, "compose's airflow-init does not create the pool"
    assert "TAIMER_PROCOUNTOR_POOL_SLOTS" in init
    common = {k: interpolate(v) for k, v in _env(services["airflow-worker"]).items()}
    assert int(common["TAIMER_PROCOUNTOR_POOL_SLOTS"]) == config.pool_slots
    assert _native_env()["TAIMER_PROCOUNTOR_POOL_SLOTS"] == str(config.pool_slots)
