"""Alembic environment of the ledger. Driven programmatically by ``taimer_procountor.ledger.migrate`` (no
alembic.ini): the caller hands over an open connection in ``config.attributes["connection"]``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Enum, String

from taimer_procountor.ledger.migrate import VERSION_TABLE
from taimer_procountor.ledger.models import Base
from taimer_procountor.ledger.types import UTCDateTime


def render_item(type_: str, obj: object, autogen_context) -> str | bool:
    """Render our column types as plain SQLAlchemy types, so migration files never import the models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, Enum) and not obj.native_enum:
        return f"sa.String(length={obj.length})"
    return False


def configure_kwargs(connection) -> dict:
    return {
        "connection": connection,
        "target_metadata": Base.metadata,
        "version_table": VERSION_TABLE,
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
        "render_item": render_item,
    }


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Non-native enums are VARCHAR in the database: compare them as such."""
    if isinstance(metadata_type, Enum) and not metadata_type.native_enum:
        return not isinstance(inspected_type, String) or inspected_type.length != metadata_type.length
    return None


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `python -m taimer_procountor.ledger migrate --url URL`")
    kwargs = configure_kwargs(connection)
    kwargs["compare_type"] = compare_type
    context.configure(**kwargs)
    with context.begin_transaction():
        context.run_migrations()


run()
