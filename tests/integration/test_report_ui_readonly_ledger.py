"""The report page reads the ledger read-only: on SQLite through a ``mode=ro`` URI, on PostgreSQL through read-only
transactions and, in docker-compose, a role created by docker/ledger-db/readonly-role.sql that may only SELECT."""

from __future__ import annotations

import importlib.util
import json
import secrets
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from taimer_procountor.ledger import connect, migrate

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "taimer_procountor_ui.py"
READONLY_SQL = ROOT / "docker" / "ledger-db" / "readonly-role.sql"


def _plugin():
    spec = importlib.util.spec_from_file_location("taimer_procountor_ui_under_test", PLUGIN)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader
    spec.loader.exec_module(module)
    return module


def _seed(url: str) -> None:
    migrate(url)
    with create_engine(url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO flow_run (dag_id, run_id, flow, status, attempts, started_at, counts, errors) "
                "VALUES ('procountor_reference_sync', 'manual__ro', 'reference_sync', 'success', 1, "
                "CURRENT_TIMESTAMP, '{}', '[]')"
            )
        )


def _writes(ledger) -> list[str]:
    """Try three kinds of write through the ledger's own write transaction; the errors, one per attempt."""
    errors = []
    for statement in (
        "UPDATE flow_run SET status = 'failed'",
        "DELETE FROM flow_run",
        "CREATE TABLE smuggled (id INTEGER)",
    ):
        try:
            with ledger.write() as session:
                session.execute(text(statement))
        except DBAPIError as exc:
            errors.append(str(exc.orig))
        else:
            errors.append("")
    return errors


def test_the_plugin_opens_a_sqlite_ledger_read_only(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    _seed(url)
    monkeypatch.delenv("AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER_READONLY", raising=False)
    monkeypatch.setenv(
        "AIRFLOW_CONN_TAIMER_PROCOUNTOR_LEDGER", json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": url}})
    )
    ledger = _plugin().ledger_from_connection()
    try:
        assert ledger.url.query.get("mode") == "ro"
        with ledger.read() as session:
            assert session.execute(text("SELECT count(*) FROM flow_run")).scalar_one() == 1
        errors = _writes(ledger)
        assert all("readonly database" in e for e in errors), errors
    finally:
        ledger.dispose()
    # The ledger itself still is writable for the DAG tasks (the read-only URL is the page's alone).
    with connect(url).write() as session:
        session.execute(text("UPDATE flow_run SET status = 'partial'"))


def test_the_plugin_prefers_the_readonly_connection(tmp_path, monkeypatch) -> None:
    owner, reader = tmp_path / "owner.sqlite", tmp_path / "reader.sqlite"
    for path in (owner, reader):
        _seed(f"sqlite:///{path}")
    for conn_id, path in (("LEDGER", owner), ("LEDGER_READONLY", reader)):
        monkeypatch.setenv(
            f"AIRFLOW_CONN_TAIMER_PROCOUNTOR_{conn_id}",
            json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": f"sqlite:///{path}"}}),
        )
    ledger = _plugin().ledger_from_connection()
    try:
        assert str(reader) in ledger.url.database and ledger.url.query.get("mode") == "ro"
    finally:
        ledger.dispose()


def _run_readonly_script(admin_url: str, role: str, password: str) -> None:
    url = make_url(admin_url)
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    proc = subprocess.run(
        [
            "psql",
            libpq,
            "-v",
            f"ro_role={role}",
            "-v",
            f"ro_password={password}",
            "-v",
            f"owner_role={url.username}",
            "-f",
            str(READONLY_SQL),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.postgres
def test_the_readonly_role_of_the_compose_script_cannot_write(postgres_url) -> None:
    role = f"ledger_ui_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    # The order compose has: the script runs on the empty database, the DAG tasks migrate later as the owner.
    _run_readonly_script(postgres_url, role, password)
    _seed(postgres_url)
    reader_url = make_url(postgres_url).set(username=role, password=password)
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        reader = connect(reader_url)  # the role alone, without the page's read-only transactions
        try:
            with reader.read() as session:
                assert session.execute(text("SELECT count(*) FROM flow_run")).scalar_one() == 1
                assert session.execute(text("SELECT count(*) FROM taimer_procountor_ledger_version")).scalar_one() == 1
            errors = _writes(reader)
            assert all(("read-only transaction" in e) or ("permission denied" in e) for e in errors), errors
            # Even with read-only transactions switched off by the session, the grants refuse the write.
            with pytest.raises(DBAPIError, match="permission denied"), reader.write() as session:
                session.execute(text("SET TRANSACTION READ WRITE"))
                session.execute(text("DELETE FROM flow_run"))
        finally:
            reader.dispose()
        # And through the page's own read-only URL, the owner's credentials cannot write either.
        from taimer_procountor.report_ui.readonly import read_only_url

        page = connect(read_only_url(postgres_url))
        try:
            errors = _writes(page)
            assert all("read-only transaction" in e for e in errors), errors
        finally:
            page.dispose()
        with admin.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM flow_run")).scalar_one() == 1
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        admin.dispose()
