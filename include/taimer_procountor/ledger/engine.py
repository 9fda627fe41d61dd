"""Engines and transactions: SQLite in WAL mode with ``BEGIN IMMEDIATE`` writes, PostgreSQL as it comes.

pysqlite's own transaction handling defers ``BEGIN`` until the first DML statement and cannot start an IMMEDIATE
transaction, so (following SQLAlchemy's pysqlite notes on transaction control) the driver's handling is switched off
(``isolation_level=None``) and SQLAlchemy's ``begin`` event emits ``BEGIN`` itself: ``BEGIN IMMEDIATE`` for engines
carrying the ``ledger_begin="IMMEDIATE"`` execution option (every write transaction of the ledger), so two writers
queue up on the database lock (``busy_timeout``) instead of failing with "database is locked" when one of them
upgrades a read lock to a write lock half-way.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Self

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker

from taimer_procountor.redaction import get_logger

log = get_logger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
BEGIN_OPTION = "ledger_begin"


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_ledger_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for the ledger at ``url`` with the settings concurrency needs on each backend."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "isolation_level": None},
        )
        _install_sqlite_hooks(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _use_wal(cur: Any) -> None:
    """Switch the file to WAL (kept in the file, so later connections find it set). Two processes opening a new file
    at once can both ask: the switch needs the file to themselves and SQLite answers "database is locked" at once,
    without waiting on ``busy_timeout``, so the loser asks again for a bounded time."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _install_sqlite_hooks(engine: Engine) -> None:
    memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: DBAPIConnection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if not memory:
            _use_wal(cur)
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class LedgerDatabase:
    """Engine and session factories. Every repository of the ledger (``ledger.outbound`` and its siblings) holds
    one and opens its short transactions through ``read()``/``write()``."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.engine = create_ledger_engine(self.url, echo=echo)
        self.dialect = self.engine.dialect.name
        write_engine = self.engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else self.engine
        self.read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.write_sessions = sessionmaker(bind=write_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on error. On SQLite it holds the write lock from
        its first statement (``BEGIN IMMEDIATE``)."""
        with self.write_sessions.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"<Ledger {self.url.render_as_string(hide_password=True)}>"


class Repository:
    """Base of the ledger's repositories: each is one area of tables on a shared ``LedgerDatabase``."""

    def __init__(self, db: LedgerDatabase) -> None:
        self._db = db

    @property
    def dialect(self) -> str:
        return self._db.dialect

    def write(self) -> AbstractContextManager[Session]:
        return self._db.write()

    def read(self) -> AbstractContextManager[Session]:
        return self._db.read()
