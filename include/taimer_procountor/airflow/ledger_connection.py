"""The ledger's Airflow connection: ``taimer_procountor_ledger`` -> a SQLAlchemy URL -> a migrated ``Ledger``.

Resolution order:

1. extra ``{"sqlalchemy_url": "..."}`` on the connection (any type; the URL is used as given);
2. the connection's own fields: ``conn.get_uri()`` converted to SQLAlchemy's spelling (``postgres://`` ->
   ``postgresql+psycopg2://``; a ``sqlite`` connection's host is the file path);
3. no connection at all: the default SQLite file ``$AIRFLOW_HOME/taimer_procountor_ledger.sqlite``.

The password is registered as a secret at once; URLs are returned as ``sqlalchemy.engine.URL`` objects, whose
``repr``/``str`` hide the password, so logging one is safe.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from sqlalchemy.engine import URL, make_url

from taimer_procountor.airflow.masking import mask_in_airflow
from taimer_procountor.ledger import Ledger, connect, migrate
from taimer_procountor.redaction import get_logger, register_secret

if TYPE_CHECKING:
    from airflow.sdk import Connection

log = get_logger(__name__)

# URLs this process has already migrated: later tasks of the same worker process skip the (cheap but locking) check.
_migrated: set[str] = set()

LEDGER_CONN_ID = "taimer_procountor_ledger"
PSEUDONYM_KEY_EXTRA = "pseudonym_key"
PSEUDONYM_KEY_ENV = "TAIMER_PROCOUNTOR_PSEUDONYM_KEY"
DEFAULT_FILENAME = "taimer_procountor_ledger.sqlite"
_PG_SCHEMES = {"postgres", "postgresql", "psql", "postgresql+psycopg2"}
# Extras that libpq understands; Airflow-only extras (cursor, iam, ...) are not passed to the driver.
_LIBPQ_PARAMS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "connect_timeout",
    "application_name",
    "options",
    "target_session_attrs",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
}


def airflow_home() -> Path:
    env = os.environ.get("AIRFLOW_HOME")
    if env:
        return Path(env).expanduser()
    try:
        from airflow.configuration import AIRFLOW_HOME

        return Path(AIRFLOW_HOME).expanduser()
    except Exception:  # pragma: no cover - Airflow is installed wherever this module is used
        return Path.home() / "airflow"


def default_ledger_url() -> URL:
    """``sqlite:///$AIRFLOW_HOME/taimer_procountor_ledger.sqlite``."""
    return make_url(f"sqlite:///{airflow_home() / DEFAULT_FILENAME}")


def url_from_connection(conn: Connection) -> URL:
    """The SQLAlchemy URL an Airflow connection describes (see the module doc for the rules)."""
    register_secret(conn.password)
    extra = conn.extra_dejson or {}
    explicit = extra.get("sqlalchemy_url")
    if explicit:
        url = make_url(explicit)
        register_secret(url.password if isinstance(url.password, str) else None)
        return url
    conn_type = (conn.conn_type or "").lower()
    if conn_type == "sqlite":
        path = unquote(conn.host or "")
        return make_url(f"sqlite:///{path}") if path else default_ledger_url()
    url = make_url(conn.get_uri())
    if url.drivername in _PG_SCHEMES or conn_type in _PG_SCHEMES:
        query = {k: v for k, v in url.query.items() if k in _LIBPQ_PARAMS}
        return url.set(drivername="postgresql+psycopg2", query=query)
    if "+" in url.drivername or url.drivername in {"sqlite"}:
        return url
    raise ValueError(
        f"connection {conn.conn_id!r} of type {conn.conn_type!r} does not describe a ledger database: give it "
        'type postgres or sqlite, or an extra {"sqlalchemy_url": "postgresql+psycopg2://..."}'
    )


def ledger_url(conn_id: str = LEDGER_CONN_ID) -> URL:
    """The ledger's URL from the Airflow connection ``conn_id``, or the default SQLite file if it does not exist."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        url = default_ledger_url()
        log.info("no connection %r: using the default ledger %s", conn_id, url)
        return url
    return url_from_connection(conn)


def get_ledger(conn_id: str = LEDGER_CONN_ID, *, migrate_first: bool = True) -> Ledger:
    """A ``Ledger`` on the connection's database, migrated to head first (idempotent; the first task of every DAG
    run calls this, so a deployment never runs on an old schema). The SQLite file's folder is created if needed."""
    url = ledger_url(conn_id)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    key = url.render_as_string(hide_password=False)
    if migrate_first and key not in _migrated:
        migrate(url)
        _migrated.add(key)
    return connect(url)


def pseudonym_key(conn_id: str = LEDGER_CONN_ID) -> str | None:
    """The key of the personal-identifier HMACs (``reference.persons.identifier_hmac``): the ledger connection's
    extra ``pseudonym_key``, else the environment variable ``TAIMER_PROCOUNTOR_PSEUDONYM_KEY``, else None (then the
    identifier rule is off). Registered as a secret with our redaction and Airflow's masker at once.

    Make one with ``python -c "import secrets; print(secrets.token_hex(32))"``. Changing it changes every stored
    pseudonym: the next sync sees the persons as changed (harmless, one extra write)."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    key = None
    try:
        conn = BaseHook.get_connection(conn_id)
        key = (conn.extra_dejson or {}).get(PSEUDONYM_KEY_EXTRA)
    except AirflowNotFoundException:
        pass
    key = key or os.environ.get(PSEUDONYM_KEY_ENV) or None
    if key:
        key = str(key)
        mask_in_airflow(key)
    return key
