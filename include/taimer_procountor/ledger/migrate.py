"""Migrations, run programmatically (no alembic.ini; the scripts live inside the package, so an installed package
migrates too).

``migrate(url)`` upgrades to head and is safe to call at the start of every DAG run, also from two processes at
once: on PostgreSQL it holds a session advisory lock while upgrading; on SQLite it runs the whole upgrade inside one
``BEGIN EXCLUSIVE`` transaction (SQLite DDL is transactional). The second caller waits, then finds head: a no-op.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text
from sqlalchemy.engine import URL, make_url

from taimer_procountor.ledger.engine import BEGIN_OPTION, create_ledger_engine
from taimer_procountor.redaction import get_logger

log = get_logger(__name__)

SCRIPT_LOCATION = Path(__file__).resolve().parent / "migrations"
# Not alembic's default name: if the ledger were ever pointed at a database shared with Airflow, the two histories
# must not collide.
VERSION_TABLE = "taimer_procountor_ledger_version"
_PG_LOCK_KEY = zlib.crc32(b"taimer_procountor_ledger:migrate")


def render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render our column types as plain SQLAlchemy types, so migration files never import the models."""
    from sqlalchemy import Enum

    from taimer_procountor.ledger.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    return False


def compare_type(
    context: object, inspected_column: object, metadata_column: object, inspected_type: object, metadata_type: object
) -> bool | None:
    """Non-native enums are VARCHAR in the database: compare them as such; everything else the default way."""
    from sqlalchemy import Enum, String

    if isinstance(metadata_type, Enum) and not metadata_type.native_enum:
        return not isinstance(inspected_type, String) or inspected_type.length != metadata_type.length
    return None


def configure_kwargs(connection: Connection) -> dict[str, Any]:
    """``context.configure`` arguments, shared by env.py and the drift check."""
    from taimer_procountor.ledger.models import Base

    return {
        "connection": connection,
        "target_metadata": Base.metadata,
        "version_table": VERSION_TABLE,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": compare_type,
        "compare_server_default": True,
        "render_item": render_item,
    }


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    return cfg


@contextmanager
def _locked_connection(url: str | URL) -> Iterator[Connection]:
    """A connection that holds the migration lock for the duration of the block."""
    engine = create_ledger_engine(make_url(url))
    try:
        if engine.dialect.name == "sqlite":
            with engine.execution_options(**{BEGIN_OPTION: "EXCLUSIVE"}).connect() as conn, conn.begin():
                yield conn
        else:
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
                try:
                    yield conn
                    conn.commit()
                finally:
                    conn.rollback()
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.commit()
    finally:
        engine.dispose()


def _run(url: str | URL, fn: Callable[..., object], *args: object) -> None:
    cfg = alembic_config()
    with _locked_connection(url) as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, *args)


def migrate(url: str | URL, revision: str = "head") -> str | None:
    """Upgrade the ledger at ``url`` to ``revision`` (head). Idempotent; returns the revision now current."""
    before = current(url)
    _run(url, command.upgrade, revision)
    after = current(url)
    if before != after:
        log.info("ledger migrated from %s to %s", before, after)
    return after


def downgrade(url: str | URL, revision: str = "base") -> str | None:
    """Downgrade the ledger (tests and emergencies). Returns the revision now current."""
    _run(url, command.downgrade, revision)
    return current(url)


def current(url: str | URL) -> str | None:
    """The revision the ledger at ``url`` is at; None for an empty database."""
    engine = create_ledger_engine(make_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    finally:
        engine.dispose()


def head() -> str:
    rev = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert rev is not None
    return rev


@dataclass(frozen=True)
class Revision:
    revision: str
    down_revision: str | None
    doc: str
    is_head: bool


def history() -> list[Revision]:
    """Every migration, oldest first."""
    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.walk_revisions())
    revs.reverse()
    return [
        Revision(
            r.revision,
            r.down_revision if isinstance(r.down_revision, str | None) else ",".join(r.down_revision),
            r.doc or "",
            r.is_head,
        )
        for r in revs
    ]
