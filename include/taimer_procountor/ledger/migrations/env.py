"""Alembic environment of the ledger. Driven programmatically by ``taimer_procountor.ledger.migrate`` (no
alembic.ini): the caller hands over an open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context

from taimer_procountor.ledger.migrate import configure_kwargs


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `python -m taimer_procountor.ledger migrate --url URL`")
    context.configure(**configure_kwargs(connection))
    with context.begin_transaction():
        context.run_migrations()


run()
