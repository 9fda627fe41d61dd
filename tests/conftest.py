"""Fixtures shared by every test: PostgreSQL availability and per-test databases.

Area fixtures (sandboxes, clients, ledgers) live in the conftest.py of each test folder or in tests/fixtures/.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

PG_ADMIN_URL = os.environ.get("TP_TEST_PG_URL", "postgresql+psycopg2://root@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() == "true"


def _pg_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure to connect means "absent" here
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}: {str(exc).splitlines()[0]}"


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """URL of a reachable PostgreSQL; skips (or fails under CI=true) when there is none."""
    reason = _pg_reachable()
    if reason:
        if ON_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tp_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite file database for one test."""
    return f"sqlite:///{tmp_path / 'ledger.sqlite'}"


@pytest.fixture(scope="session")
def yaml_schema_errors():
    """``errors(name, instance) -> list[str]``: violations of ``components/schemas/<name>`` of Procountor's OpenAPI
    document, empty when valid.

    Deliberately independent of the sandbox's own validator (``sandboxes.procountor.schema``), so that contract tests
    of the client do not trust the server they run against: Draft 2020-12 over the document, with OpenAPI 3.0's
    ``nullable`` turned into a JSON-Schema null type (the document still uses it).
    """
    from pathlib import Path

    import yaml
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    import sandboxes

    uri = "urn:test:procountor-api"

    def nullable(node):
        if isinstance(node, dict):
            out = {k: nullable(v) for k, v in node.items()}
            if out.get("nullable") is True and isinstance(out.get("type"), str):
                out["type"] = [out["type"], "null"]
            return out
        if isinstance(node, list):
            return [nullable(v) for v in node]
        return node

    spec = Path(sandboxes.__file__).parent / "procountor" / "spec" / "procountor-api.yaml"
    document = nullable(yaml.safe_load(spec.read_text(encoding="utf-8")))
    registry = Registry().with_resource(uri, Resource.from_contents(document, default_specification=DRAFT202012))

    def errors(name: str, instance) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"{uri}#/components/schemas/{name}"}, registry=registry, format_checker=FormatChecker()
        )
        return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]

    return errors
