"""One malformed Procountor row never stops the reference sync: the real ``ProcountorClient`` against the Procountor
sandbox on loopback, with malformed rows injected into the sandbox's in-process state (the fixture loader validates
rows, so a bad row cannot come in through ``/_control/fixture``; the sandbox's response validation is switched off
so it serves them as a broken Procountor would), and a real SQLite ledger.

A bad row is skipped and reported (``REFERENCE_ITEM_INVALID`` / ``REFERENCE_ITEM_DUPLICATE_KEY``, kind and id, never
the row's content); the ledger keeps that item's last good copy; the rest of its kind and every other kind still
sync; the report is ``partial``."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from sandboxes.procountor.app import create_app
from sandboxes.procountor.dataset import default_dataset
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from taimer_procountor.http import RetryPolicy
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.reference.extract import fetch_snapshot
from taimer_procountor.reference.kinds import TAIMER_KINDS
from taimer_procountor.reference.load import store_snapshot
from taimer_procountor.reference.persons import IDENTIFIER_FIELD
from taimer_procountor.reference.report import build_summary

HETU = "131052-308T"
KEY = "malformed-rows-test-pseudonym-key-0123456789"
PRIVATE_NAME = "Salainen Tuotenimi Jota Ei Saa Näkyä"


@pytest.fixture
def sandbox() -> Iterator[tuple[Any, Any]]:
    app = create_app(ProcountorSandboxSettings(validate_responses=False, rate_per_second=0))
    fixture = default_dataset()
    fixture.persons[0]["invoicingInfo"]["identifier"] = HETU
    app.state.sandbox.reset(type(fixture).model_validate(fixture.model_dump(mode="json")))
    with serve_in_thread(app) as server:
        yield server, app.state.sandbox.state.ref


@pytest.fixture
def client(sandbox) -> Iterator[ProcountorClient]:
    server, _ref = sandbox
    settings = ProcountorSettings(
        base_url=server.base_url + "/api",
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        api_key="sandbox-api-key",
        rate_per_second=200,
    )
    with ProcountorClient(settings, retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0)) as c:
        yield c


@pytest.fixture
def ledger(sqlite_url: str):
    migrate(sqlite_url)
    led = connect(sqlite_url)
    yield led
    led.engine.dispose()


def break_rows(ref: Any) -> dict[str, Any]:
    """Malform one existing row of several kinds (and add a new bad product); change one good product too."""
    products = ref.dataset.products
    bad_product, changed_product = products[0], products[1]
    bad_product["name"] = None  # a product without a name
    changed_product["price"] = float(changed_product["price"]) + 1
    products.append({"id": 798, "type": "SALES", "name": None, "price": PRIVATE_NAME})  # new and already broken
    dim = next(d for d in ref.dataset.dimensions if d["name"] == "Kustannuspaikka")
    bad_item = dim["items"][0]
    bad_item.pop("codeName")  # a dimension item without codeName
    person = ref.dataset.persons[1]
    ref.persons[person["id"]] = {**copy.deepcopy(person), "invoicingInfo": "broken"}  # its detail does not parse
    accounts = ref.dataset.ledger_accounts
    accounts.append({**accounts[2], "name": PRIVATE_NAME})  # the same ledgerAccountCode twice
    return {
        "product": str(bad_product["id"]),
        "changed_product": str(changed_product["id"]),
        "item": str(bad_item["id"]),
        "person": str(person["id"]),
        "account": accounts[2]["ledgerAccountCode"],
    }


def test_malformed_rows_are_skipped_reported_and_keep_their_last_good_copy(sandbox, client, ledger) -> None:
    _server, ref = sandbox
    clean = store_snapshot(ledger, fetch_snapshot(client, pseudonym_key=KEY))
    assert clean["problems"] == [] and clean["notices"] == []
    before = {
        kind: {str(r.get("id", r.get("ledgerAccountCode"))): r for r in ledger.reference.reference_items(kind)}
        for kind in ("products", "cost_centers", "persons", "ledger_accounts")
    }
    bad = break_rows(ref)

    fetched = fetch_snapshot(client, pseudonym_key=KEY)  # does not raise
    stored = store_snapshot(ledger, fetched)
    found = {(p["code"], p["kind"], p["item"]) for p in stored["problems"]}
    assert found == {
        ("REFERENCE_ITEM_INVALID", "products", bad["product"]),
        ("REFERENCE_ITEM_INVALID", "products", "798"),
        ("REFERENCE_ITEM_INVALID", "cost_centers", bad["item"]),
        ("REFERENCE_ITEM_INVALID", "persons", bad["person"]),
        ("REFERENCE_ITEM_DUPLICATE_KEY", "ledger_accounts", bad["account"]),
    }
    detail = json.dumps(stored["problems"], ensure_ascii=False)
    assert "codeName" in detail and "name (string_type)" in detail  # which field, so someone can fix it
    assert PRIVATE_NAME not in detail and "broken" not in detail  # never the row's content

    # every kind was saved, the bad items kept their last good copies, the good change went through
    kinds = stored["kinds"]
    assert kinds["products"]["kept"] == 1 and kinds["products"]["changed"] == 1 and kinds["products"]["removed"] == 0
    assert (
        kinds["cost_centers"]["kept"] == 1 and kinds["persons"]["kept"] == 1 and kinds["ledger_accounts"]["kept"] == 1
    )
    products = {str(r["id"]): r for r in ledger.reference.reference_items("products")}
    assert products[bad["product"]] == before["products"][bad["product"]]
    assert products[bad["changed_product"]]["price"] != before["products"][bad["changed_product"]]["price"]
    assert "798" not in products  # never had a good copy
    items = {str(r["id"]): r for r in ledger.reference.reference_items("cost_centers")}
    assert items[bad["item"]] == before["cost_centers"][bad["item"]]
    persons = {str(r["id"]): r for r in ledger.reference.reference_items("persons")}
    assert persons[bad["person"]] == before["persons"][bad["person"]]
    accounts = {r["ledgerAccountCode"]: r for r in ledger.reference.reference_items("ledger_accounts")}
    assert accounts[bad["account"]] == before["ledger_accounts"][bad["account"]]

    pushes = [{"kind": k, "written": False, "desired": 1} for k in TAIMER_KINDS]
    report = build_summary(dag_id="d", run_id="r", fetch=stored, bank={"status": "ok", "problems": []}, pushes=pushes)
    assert report.outcome.value == "partial"
    assert {e.code for e in report.errors} == {"REFERENCE_ITEM_INVALID", "REFERENCE_ITEM_DUPLICATE_KEY"}


def test_identifiers_are_stored_only_as_keyed_hmacs(sandbox, client, ledger, sqlite_url) -> None:
    store_snapshot(ledger, fetch_snapshot(client, pseudonym_key=KEY))
    with_id = [p for p in ledger.reference.reference_items("persons") if p.get(IDENTIFIER_FIELD)]
    assert len(with_id) == 1
    dump = _dump(sqlite_url)
    assert HETU not in dump and HETU.lower() not in dump
    assert hashlib.sha256(HETU.encode()).hexdigest() not in dump  # the old, brute-forceable unkeyed digest
    assert KEY not in dump


def test_without_a_key_nothing_identifier_derived_is_stored_and_a_notice_says_so(sandbox, client, ledger, sqlite_url):
    stored = store_snapshot(ledger, fetch_snapshot(client, pseudonym_key=None))
    assert [n["code"] for n in stored["notices"]] == ["REFERENCE_IDENTIFIER_RULE_DISABLED"]
    assert all(IDENTIFIER_FIELD not in p for p in ledger.reference.reference_items("persons"))
    pushes = [{"kind": k, "written": False, "desired": 1} for k in TAIMER_KINDS]
    report = build_summary(dag_id="d", run_id="r", fetch=stored, bank={"status": "ok", "problems": []}, pushes=pushes)
    assert report.outcome.value == "success"  # a notice, not an error
    assert [n.code for n in report.notices] == ["REFERENCE_IDENTIFIER_RULE_DISABLED"]
    assert HETU not in _dump(sqlite_url)


def _dump(sqlite_url: str) -> str:
    import sqlite3

    path = sqlite_url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    try:
        return "\n".join(con.iterdump())
    finally:
        con.close()
