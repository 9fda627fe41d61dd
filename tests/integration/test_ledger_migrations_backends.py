"""Ledger migrations on real SQLite and PostgreSQL: up, down to base, up again; idempotent; no model drift; two
processes migrating one fresh database at once; the ``python -m taimer_procountor.ledger`` command."""

from __future__ import annotations

import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from taimer_procountor.ledger import current, history, migrate
from taimer_procountor.ledger.migrate import VERSION_TABLE, configure_kwargs, downgrade, head
from taimer_procountor.ledger.models import Base

TABLES = {
    "reference_snapshot",
    "reference_item",
    "reference_pushed",
    "outbound_document",
    "outbound_attachment",
    "inbound_mapping",
    "watermark",
    "flow_run",
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(db_url):
    assert current(db_url) is None
    assert migrate(db_url) == head()
    assert _tables(db_url) >= TABLES | {VERSION_TABLE}
    assert downgrade(db_url, "base") is None
    assert _tables(db_url) & TABLES == set()
    assert migrate(db_url) == head()
    assert _tables(db_url) >= TABLES


def test_migrate_twice_is_a_noop(db_url):
    migrate(db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO watermark (flow, value, overlap_seconds, updated_at) "
                    "VALUES ('f', '2025-01-01 00:00:00', 0, '2025-01-01 00:00:00')"
                )
            )
        assert migrate(db_url) == head()
        with engine.connect() as conn:
            count_versions = text(f"SELECT count(*) FROM {VERSION_TABLE}")  # noqa: S608 - a constant
            assert conn.execute(count_versions).scalar_one() == 1
            assert conn.execute(text("SELECT count(*) FROM watermark")).scalar_one() == 1
    finally:
        engine.dispose()


def test_models_and_migrations_do_not_drift(db_url):
    migrate(db_url)
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            opts = {k: v for k, v in configure_kwargs(conn).items() if k not in ("connection", "target_metadata")}
            ctx = MigrationContext.configure(conn, opts=opts)
            diff = compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ; add a migration: {diff}"


def _migrate_in_child(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "taimer_procountor.ledger", "migrate", "--url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_migrate_at_once(db_url):
    procs = [_migrate_in_child(db_url) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err
        assert head() in out
    assert current(db_url) == head()
    assert _tables(db_url) >= TABLES


def test_command_line(sqlite_url):
    def run(*args: str) -> str:
        res = subprocess.run(
            [sys.executable, "-m", "taimer_procountor.ledger", *args], capture_output=True, text=True, timeout=120
        )
        assert res.returncode == 0, res.stderr
        return res.stdout

    assert "<empty>" in run("current", "--url", sqlite_url)
    assert head() in run("migrate", "--url", sqlite_url)
    assert "(head)" in run("current", "--url", sqlite_url)
    out = run("history")
    assert all(rev.revision in out for rev in history())


def test_migration_scripts_ship_with_the_package():
    from importlib.resources import files

    root = files("taimer_procountor.ledger") / "migrations"
    assert (root / "env.py").is_file() and (root / "script.py.mako").is_file()
    assert any(p.name.endswith(".py") for p in (root / "versions").iterdir())
