"""The ``taimer_procountor_ledger`` Airflow connection -> SQLAlchemy URL -> migrated Ledger."""

from __future__ import annotations

import json

import pytest

from taimer_procountor.airflow.ledger_connection import LEDGER_CONN_ID, get_ledger, ledger_url
from taimer_procountor.ledger import current
from taimer_procountor.ledger.migrate import head
from taimer_procountor.redaction import redact

ENV = "AIRFLOW_CONN_" + LEDGER_CONN_ID.upper()


def test_default_is_sqlite_file_in_airflow_home(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "home"))
    url = ledger_url()
    assert url.get_backend_name() == "sqlite"
    assert url.database == str(tmp_path / "home" / "taimer_procountor_ledger.sqlite")
    ledger = get_ledger()
    try:
        assert current(url) == head()
        assert (tmp_path / "home" / "taimer_procountor_ledger.sqlite").exists()
        assert ledger.outbound.upsert_outbound("sales_invoice", "1", "1", "h").created
    finally:
        ledger.dispose()


def test_postgres_uri_is_converted(monkeypatch):
    monkeypatch.setenv(ENV, "postgres://ledger:p%40ss-w0rd-xyz@db.example:5433/ledger?sslmode=require&cursor=dict")
    url = ledger_url()
    assert url.drivername == "postgresql+psycopg2"
    assert (url.host, url.port, url.database, url.username) == ("db.example", 5433, "ledger", "ledger")
    assert url.password == "p@ss-w0rd-xyz" and dict(url.query) == {"sslmode": "require"}
    assert "p@ss-w0rd-xyz" not in repr(url)
    assert redact("password p@ss-w0rd-xyz") == "password ***"  # registered as a secret


def test_extra_sqlalchemy_url_wins(tmp_path, monkeypatch):
    target = f"sqlite:///{tmp_path / 'explicit.sqlite'}"
    monkeypatch.setenv(ENV, json.dumps({"conn_type": "generic", "extra": {"sqlalchemy_url": target}}))
    assert ledger_url().render_as_string(hide_password=False) == target


def test_sqlite_connection_host_is_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "a b" / "l.sqlite")}))
    url = ledger_url()
    assert url.database == str(tmp_path / "a b" / "l.sqlite")
    get_ledger().dispose()
    assert current(url) == head()


def test_unusable_connection_type_is_a_clear_error(monkeypatch):
    monkeypatch.setenv(ENV, json.dumps({"conn_type": "http", "host": "example.com"}))
    with pytest.raises(ValueError, match="sqlalchemy_url"):
        ledger_url()
