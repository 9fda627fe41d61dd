"""Alembic scripts of the ledger (a package, so that an installed wheel ships them)."""
