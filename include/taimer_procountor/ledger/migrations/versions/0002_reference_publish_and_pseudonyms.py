"""Reference sync hardening: what the asset last published (``reference_published``), a "last seen" time on a
reused snapshot row, per-attempt step errors on run records, and no more plain SHA-256 of personal identifiers.

The data step removes ``identifierDigest`` (an unsalted SHA-256 of a henkilötunnus, which a brute force over the
small space of identifiers reverses) from every stored persons payload: current items and snapshot history. The next
sync stores ``identifierHmac`` (keyed HMAC-SHA256) instead, or nothing when no pseudonym key is configured.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_FIELD = "identifierDigest"


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _strip_identifier_digests() -> None:
    bind = op.get_bind()
    items = sa.table("reference_item", sa.column("kind"), sa.column("key"), sa.column("payload", sa.JSON()))
    for kind, key, payload in bind.execute(
        sa.select(items.c.kind, items.c.key, items.c.payload).where(items.c.kind == "persons")
    ).all():
        payload = _loaded(payload)
        if isinstance(payload, dict) and _OLD_FIELD in payload:
            payload.pop(_OLD_FIELD)
            bind.execute(items.update().where(items.c.kind == kind, items.c.key == key).values(payload=payload))
    snaps = sa.table("reference_snapshot", sa.column("id"), sa.column("kind"), sa.column("payload", sa.JSON()))
    for snap_id, payload in bind.execute(sa.select(snaps.c.id, snaps.c.payload).where(snaps.c.kind == "persons")).all():
        payload = _loaded(payload)
        if isinstance(payload, list) and any(isinstance(p, dict) and _OLD_FIELD in p for p in payload):
            cleaned = [{k: v for k, v in p.items() if k != _OLD_FIELD} if isinstance(p, dict) else p for p in payload]
            bind.execute(snaps.update().where(snaps.c.id == snap_id).values(payload=cleaned))


def upgrade() -> None:
    op.create_table(
        "reference_published",
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(length=250), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_reference_published")),
    )
    with op.batch_alter_table("reference_snapshot") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("flow_run") as batch_op:
        batch_op.add_column(sa.Column("step_errors", sa.JSON(), nullable=True))
    _strip_identifier_digests()


def downgrade() -> None:
    with op.batch_alter_table("flow_run") as batch_op:
        batch_op.drop_column("step_errors")
    with op.batch_alter_table("reference_snapshot") as batch_op:
        batch_op.drop_column("last_seen_at")
    op.drop_table("reference_published")
