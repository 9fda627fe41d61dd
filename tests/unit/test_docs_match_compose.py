"""Every Airflow connection id and every compose host the docs name exists in docker-compose.yaml.

Docs drift quietly: a page that tells an operator to point the ledger at ``postgres:5432/ledger`` (a service that
holds Airflow's database, not the ledger) costs an evening. This test reads README.md and docs/*.md and checks:

- every backticked connection id (``*_default``, ``taimer_procountor_ledger[_readonly]``) is set in the compose file as
  ``AIRFLOW_CONN_<ID>``;
- every ``host:port`` naming a compose-style host (no dot, not loopback) is a compose service listening on that
  port, and a database named after it (``host:port/db``) is that service's database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yaml"
DOC_FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

CONN_ID = re.compile(r"`(?P<id>(?:[a-z][a-z0-9]*_)+default|taimer_procountor_ledger(?:_readonly)?)`")
# host:port[/database], the host a compose-style name (letters, digits, dashes; no dots), the port not part of a
# version number such as postgres:16.6.
HOST_PORT = re.compile(
    r"(?<![\w.@-])(?:[\w.-]*@)?(?P<host>[a-z][a-z0-9-]*):(?P<port>\d{2,5})(?![\d.])(?:/(?P<db>\w+))?"
)
NOT_COMPOSE_HOSTS = {"localhost", "http", "https"}
IMAGE_PORTS = {"postgres": {5432}, "redis": {6379}}
NOT_CONN_IDS = re.compile(r"_by_default$")  # Airflow settings such as catchup_by_default


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))["services"]


def _listening_ports(service: dict[str, Any]) -> set[int]:
    """The container ports a service listens on: exposed and published ports, ``--port`` in its command, the port
    its own healthcheck asks on localhost, and the image's standard port."""
    ports = {int(p) for p in service.get("expose", [])}
    ports |= {int(str(p).rsplit(":", 1)[-1]) for p in service.get("ports", [])}
    command = service.get("command")
    if isinstance(command, list) and "--port" in command:
        ports.add(int(command[command.index("--port") + 1]))
    health = " ".join(str(part) for part in (service.get("healthcheck") or {}).get("test", []))
    ports |= {int(p) for p in re.findall(r"localhost:(\d+)", health)}
    family = str(service.get("image", "")).split(":")[0]
    return ports | IMAGE_PORTS.get(family, set())


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, int, re.Match[str]]]:
    found = []
    for path in DOC_FILES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found.extend((f"{path.relative_to(ROOT)}:{number}", number, m) for m in pattern.finditer(line))
    return found


def test_the_scan_sees_the_docs() -> None:
    assert len(DOC_FILES) >= 5
    ids = {m.group("id") for _, _, m in _mentions(CONN_ID)}
    assert {"procountor_default", "taimer_default", "taimer_procountor_ledger"} <= ids
    hosts = {m.group("host") for _, _, m in _mentions(HOST_PORT)}
    assert {"ledger-db", "procountor-sandbox", "taimer-sandbox"} <= hosts


def test_every_connection_id_named_in_the_docs_is_set_in_compose() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    in_compose = {name.lower() for name in re.findall(r"^\s*AIRFLOW_CONN_([A-Z0-9_]+):", text, flags=re.MULTILINE)}
    missing = [
        f"{where}: `{m.group('id')}`"
        for where, _, m in _mentions(CONN_ID)
        if not NOT_CONN_IDS.search(m.group("id")) and m.group("id") not in in_compose
    ]
    assert not missing, "connection ids the docs name but docker-compose.yaml does not set:\n" + "\n".join(missing)


def test_every_compose_host_named_in_the_docs_exists_with_that_port_and_database(
    services: dict[str, dict[str, Any]],
) -> None:
    wrong = []
    for where, _, m in _mentions(HOST_PORT):
        host, port, db = m.group("host"), int(m.group("port")), m.group("db")
        if host in NOT_COMPOSE_HOSTS:
            continue
        service = services.get(host)
        if service is None:
            wrong.append(f"{where}: {m.group(0)}: no compose service {host!r}")
            continue
        if port not in _listening_ports(service):
            wrong.append(f"{where}: {m.group(0)}: {host} listens on {sorted(_listening_ports(service))}, not {port}")
        database = (service.get("environment") or {}).get("POSTGRES_DB")
        if db and database and db != database:
            wrong.append(f"{where}: {m.group(0)}: the database on {host} is {database!r}, not {db!r}")
    assert not wrong, "hosts the docs name that docker-compose.yaml does not have:\n" + "\n".join(wrong)
