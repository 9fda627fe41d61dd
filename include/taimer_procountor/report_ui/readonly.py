"""The report page opens the ledger read-only, so that it cannot write whatever its code does.

- SQLite: the file is opened as a ``file:`` URI with ``mode=ro`` (``sqlite:///file:PATH?mode=ro&uri=true``): SQLite
  itself refuses every write ("attempt to write a readonly database").
- PostgreSQL: every session starts with ``default_transaction_read_only=on`` (libpq ``options``), so a write fails
  ("cannot execute ... in a read-only transaction"). In docker-compose the page also connects as the role
  ``ledger_ui``, which holds ``SELECT`` only (docker/ledger-db/readonly-role.sql): the database refuses writes even
  if a session turned read-only off.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.engine import URL, make_url

_PG_READ_ONLY = "-c default_transaction_read_only=on"


def read_only_url(url: str | URL) -> URL:
    """``url`` changed so that the database refuses writes through it (see the module doc). An in-memory SQLite
    database (tests) is returned as it is: there is nothing on disk to protect."""
    url = make_url(url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return url
        if not database.startswith("file:"):
            database = "file:" + quote(database, safe="/:")
        return url.set(database=database).update_query_dict({"mode": "ro", "uri": "true"})
    if backend == "postgresql":
        options = url.query.get("options")
        options = options if isinstance(options, str) else " ".join(options or ())
        if _PG_READ_ONLY not in options:
            options = f"{options} {_PG_READ_ONLY}".strip()
        return url.update_query_dict({"options": options})
    raise ValueError(f"the report page cannot open a {backend} ledger read-only (SQLite and PostgreSQL only)")
