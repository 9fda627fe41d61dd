"""The report UI (taimer_procountor.report_ui) over real HTTP on loopback, against a real migrated SQLite ledger filled
through the ledger's own repository functions: pages and JSON show exactly what was stored, in Finnish and English,
escaped, with no secrets, and the app never writes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import requests
from markupsafe import escape

from sandboxes.runner import serve_in_thread
from taimer_procountor.errors import CATALOGUE
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.redaction import register_secret
from taimer_procountor.report_ui import LedgerUnavailable, create_app

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
XSS = "<script>alert(1)</script>"
SECRET = "s3cr3t-ledger-ui-token-7Qx"  # registered before the rows are written: the ledger masks it on write
LATE_SECRET = "late-registered-api-key-9Zk"  # written raw, registered afterwards: the UI must mask it itself


def esc(text: str) -> str:
    """``text`` as the pages' escaper (Jinja2's autoescape: markupsafe) writes it."""
    return str(escape(text))


def _dump(url: str) -> list[str]:
    """Every row of every table, as SQL text: equal before and after means nothing was written."""
    con = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        return list(con.iterdump())
    finally:
        con.close()


@pytest.fixture
def filled(sqlite_url):
    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    register_secret(SECRET)
    # two runs: an older success and a newer partial with errors (one with markup, one with a secret)
    ledger.runs.start_run(
        "procountor_reference_sync", "scheduled__2026-03-01", "reference_sync", now=T0 - timedelta(days=1)
    )
    ledger.runs.finish_run(
        "procountor_reference_sync",
        "scheduled__2026-03-01",
        "reference_sync",
        "success",
        counts={"snapshot": {"accounts": {"items": 41, "added": 41}}},
        errors=[],
        now=T0 - timedelta(days=1) + timedelta(seconds=12),
    )
    ledger.runs.start_run("procountor_reference_sync", "manual__2026-03-02", "reference_sync", now=T0)
    ledger.runs.finish_run(
        "procountor_reference_sync",
        "manual__2026-03-02",
        "reference_sync",
        "partial",
        counts={"snapshot": {"accounts": {"items": 42, "added": 1}}, "bank_accounts": "mismatch"},
        errors=[
            {"code": "REFERENCE_BANK_ACCOUNT_MISMATCH", "where": "bank_accounts", "detail": XSS},
            {"code": "REFERENCE_PERSON_AMBIGUOUS", "where": "persons", "detail": f"token {SECRET} leaked"},
        ],
        now=T0 + timedelta(seconds=95),
    )
    ledger.reference.save_reference_snapshot(
        "ledger_accounts", [{"ledgerAccountCode": str(n)} for n in range(3000, 3042)], "ledgerAccountCode", T0
    )
    ledger.reference.save_reference_snapshot(
        "ledger_accounts", [{"ledgerAccountCode": str(n)} for n in range(3001, 3044)], "ledgerAccountCode", T0
    )
    ledger.reference.save_reference_snapshot("vats", [{"id": "25.5"}, {"id": "14"}], "id", T0)
    # outbound: one valid, one invalid (with markup in its message), one changed after send
    ok = ledger.outbound.upsert_outbound("sales_invoice", "S-1", "1001", "h1").document
    ledger.outbound.mark_validated(ok.id, [])
    bad = ledger.outbound.upsert_outbound("sales_invoice", "S-2", "1002", "h2").document
    ledger.outbound.mark_validated(
        bad.id, [{"code": "REFERENCE_NO_TAIMER_BANK_ACCOUNT", "field": "bankAccount", "message": "<b>no iban</b>"}]
    )
    sent = ledger.outbound.upsert_outbound("purchase_invoice", "P-7", "2007", "h3").document
    ledger.outbound.mark_validated(sent.id, [])
    (claimed,) = ledger.outbound.claim([sent.id], "worker-1", ttl=60)
    ledger.outbound.mark_sending(sent.id, claimed.claim_token)
    ledger.outbound.record_sent(sent.id, claimed.claim_token, 990077, invoice_number="77")
    ledger.outbound.upsert_outbound("purchase_invoice", "P-7", "2007", "h3-changed")
    # a value written before its secret was known (e.g. an older release), registered only now
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as con:
        con.execute(
            "UPDATE flow_run SET errors = ? WHERE run_id = ?",
            (
                '[{"code": "REFERENCE_STEP_FAILED", "where": "fetch", "detail": "key ' + LATE_SECRET + '"}]',
                "scheduled__2026-03-01",
            ),
        )
    register_secret(LATE_SECRET)
    server = serve_in_thread(create_app(lambda: ledger), health_path="/health")
    yield server, sqlite_url, {"ok": ok.id, "bad": bad.id, "sent": sent.id}
    server.stop()
    ledger.dispose()


def _get(server, path: str) -> requests.Response:
    resp = requests.get(server.base_url + path, timeout=10)
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
    return resp


def test_runs_json_shows_exactly_what_was_stored_newest_first(filled):
    server, _url, _ids = filled
    runs = _get(server, "/api/runs").json()["runs"]
    assert [r["run_id"] for r in runs] == ["manual__2026-03-02", "scheduled__2026-03-01"]
    newest = runs[0]
    assert newest["dag_id"] == "procountor_reference_sync" and newest["flow"] == "reference_sync"
    assert newest["status"] == "partial" and newest["attempts"] == 1
    assert newest["duration_seconds"] == pytest.approx(95.0)
    assert newest["counts"] == {"snapshot": {"accounts": {"items": 42, "added": 1}}, "bank_accounts": "mismatch"}
    assert [e["code"] for e in newest["errors"]] == ["REFERENCE_BANK_ACCOUNT_MISMATCH", "REFERENCE_PERSON_AMBIGUOUS"]
    assert newest["errors"][0]["detail"] == XSS  # JSON carries the text as stored; only HTML escapes it
    assert runs[1]["status"] == "success"
    assert _get(server, "/api/runs?limit=1").json()["runs"][0]["run_id"] == "manual__2026-03-02"


def test_reference_json_has_latest_snapshot_per_kind_counts_only(filled):
    server, _url, _ids = filled
    snaps = {s["kind"]: s for s in _get(server, "/api/reference").json()["snapshots"]}
    assert set(snaps) == {"ledger_accounts", "vats"}
    accounts = snaps["ledger_accounts"]
    assert (accounts["items"], accounts["added"], accounts["changed"], accounts["removed"]) == (43, 2, 0, 1)
    assert accounts["snapshots_kept"] == 2 and accounts["key_field"] == "ledgerAccountCode"
    assert datetime.fromisoformat(accounts["fetched_at"]) == T0
    assert "payload" not in accounts and "3001" not in str(snaps)  # ids/counts only: no item payloads
    assert snaps["vats"]["items"] == 2 and snaps["vats"]["added"] == 2


def test_outbound_json_counts_per_type_and_state_and_attention_list(filled):
    server, _url, ids = filled
    out = _get(server, "/api/outbound").json()
    assert out["total"] == 3
    assert out["by_source_type_and_state"] == [
        {"source_type": "purchase_invoice", "state": "sent", "count": 1},
        {"source_type": "sales_invoice", "state": "valid", "count": 1},
        {"source_type": "sales_invoice", "state": "invalid", "count": 1},
    ]
    assert out["by_state"] == {"valid": 1, "invalid": 1, "sent": 1}
    assert out["changed_after_send"] == 1
    attention = {d["id"]: d for d in out["attention"]}
    assert set(attention) == {ids["bad"], ids["sent"]}
    assert attention[ids["bad"]]["error_codes"] == ["REFERENCE_NO_TAIMER_BANK_ACCOUNT"]
    assert attention[ids["bad"]]["state"] == "invalid"
    assert attention[ids["sent"]]["changed_after_send"] is True
    assert attention[ids["sent"]]["procountor_invoice_id"] == 990077


def test_catalogue_json_is_the_whole_catalogue_and_narrows_by_code(filled):
    server, _url, _ids = filled
    entries = _get(server, "/api/catalogue").json()["entries"]
    assert {e["code"] for e in entries} == set(CATALOGUE)
    assert all(e["fi"] and e["en"] and e["fix_fi"] and e["fix_en"] and e["fix_where"] for e in entries)
    narrowed = _get(server, "/api/catalogue?code=bank_account").json()["entries"]
    assert narrowed and all("BANK_ACCOUNT" in e["code"] for e in narrowed)
    unknown = _get(server, "/api/catalogue?code=PROCOUNTOR_NEW_CODE_X").json()["entries"]
    assert [e["code"] for e in unknown] == ["PROCOUNTOR_NEW_CODE_X"]  # an uncatalogued code still gets an answer


@pytest.mark.parametrize("lang", ["fi", "en"])
def test_overview_explains_codes_in_the_chosen_language(filled, lang):
    server, _url, _ids = filled
    page = _get(server, f"/?lang={lang}").text
    other = "en" if lang == "fi" else "fi"
    for code in ("REFERENCE_BANK_ACCOUNT_MISMATCH", "REFERENCE_NO_TAIMER_BANK_ACCOUNT"):
        entry = CATALOGUE[code]
        assert code in page
        assert esc(getattr(entry, lang)) in page
        assert esc(getattr(entry, f"fix_{lang}")) in page
        assert esc(getattr(entry, other)) not in page
    assert f'<html lang="{lang}">' in page
    status_word = {"fi": "osittain", "en": "partial"}[lang]  # status as a word, not only a colour
    assert f'class="status status-partial">{status_word}</span>' in page
    assert "manual__2026-03-02" in page and "procountor_reference_sync" in page
    assert '<th scope="col">' in page  # tables have headers


def test_english_is_the_default_finnish_is_one_click_away_and_kept(filled):
    server, _url, _ids = filled
    assert '<html lang="en">' in _get(server, "/").text
    assert '<html lang="en">' in _get(server, "/?lang=sv").text  # unknown: the default
    # a Finnish browser gets Finnish without asking
    finnish_browser = requests.get(
        server.base_url + "/", headers={"Accept-Language": "fi-FI,fi;q=0.9,en;q=0.8"}, timeout=10
    )
    assert '<html lang="fi">' in finnish_browser.text
    # the toggle: one click on "Suomeksi" (?lang=fi) and the choice is kept for the next pages
    with requests.Session() as browser:
        page = browser.get(server.base_url + "/", timeout=10).text
        assert 'href="?lang=fi" hreflang="fi"' in page
        assert '<html lang="fi">' in browser.get(server.base_url + "/?lang=fi", timeout=10).text
        assert '<html lang="fi">' in browser.get(server.base_url + "/", timeout=10).text
        assert '<html lang="fi">' in browser.get(server.base_url + "/catalogue", timeout=10).text
        assert '<html lang="en">' in browser.get(server.base_url + "/?lang=en", timeout=10).text
        assert '<html lang="en">' in browser.get(server.base_url + "/", timeout=10).text


def test_html_escapes_stored_markup(filled):
    server, _url, _ids = filled
    for path in ("/", "/?lang=en"):
        page = _get(server, path).text
        assert XSS not in page and "<b>no iban</b>" not in page
        assert esc(XSS) in page
        assert "&lt;b&gt;no iban&lt;/b&gt;" in page


def test_catalogue_page_lists_every_code_in_both_languages(filled):
    server, _url, _ids = filled
    page = _get(server, "/catalogue?lang=en").text
    for entry in CATALOGUE.values():
        assert f'id="code-{entry.code}"' in page
        assert esc(entry.fi) in page and esc(entry.en) in page
        assert esc(entry.fix_en) in page
    search = _get(server, "/catalogue?code=%3Cscript%3E").text
    assert "<script>" not in search and "&lt;SCRIPT&gt;" in search  # a searched code is echoed escaped


def test_no_registered_secret_appears_anywhere(filled):
    server, _url, _ids = filled
    paths = ["/", "/?lang=en", "/catalogue", "/api/runs", "/api/reference", "/api/outbound", "/api/catalogue"]
    for path in paths:
        body = _get(server, path).text
        assert SECRET not in body, path
        assert LATE_SECRET not in body, path
    assert "token *** leaked" in _get(server, "/api/runs").text
    assert "key ***" in _get(server, "/api/runs").text


def test_the_app_never_writes_to_the_ledger(filled):
    server, url, _ids = filled
    before = _dump(url)
    for path in ("/", "/?lang=en", "/catalogue", "/api/runs", "/api/reference", "/api/outbound", "/api/catalogue"):
        _get(server, path)
    assert _dump(url) == before


def test_empty_ledger_says_so_plainly(sqlite_url):
    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    with serve_in_thread(create_app(lambda: ledger), health_path="/health") as server:
        fi = _get(server, "/?lang=fi").text
        en = _get(server, "/").text
        out = _get(server, "/api/outbound").json()
        assert _get(server, "/api/runs").json() == {"runs": []}
        assert _get(server, "/api/reference").json() == {"snapshots": []}
    assert "Ajoja ei ole vielä kirjattu" in fi
    assert "Kirjanpidossa ei ole yhtään lähtevää tositetta" in fi
    assert "No runs recorded yet" in en
    assert "No reference snapshots yet" in en
    assert "The ledger holds no outbound documents" in en and "no made-up data" in en
    assert out["total"] == 0 and out["attention"] == [] and out["by_source_type_and_state"] == []
    ledger.dispose()


def test_a_missing_ledger_is_reported_not_created(tmp_path):
    missing = tmp_path / "nothing-here.sqlite"

    def provider():
        raise LedgerUnavailable(f"no ledger file at {missing} yet")

    with serve_in_thread(create_app(provider), health_path="/health") as server:
        page = _get(server, "/?lang=en").text
        api = requests.get(server.base_url + "/api/runs", timeout=10)
    assert 'role="alert"' in page and "The ledger could not be read" in page and "nothing-here.sqlite" in page
    assert api.status_code == 503 and "LedgerUnavailable" in api.json()["error"]
    assert not missing.exists()


def test_dependencies_guard_every_route_but_health(sqlite_url):
    from fastapi import Depends, Header, HTTPException

    def need_key(x_key: str | None = Header(None)) -> None:
        if x_key != "let-me-in":
            raise HTTPException(401, "Not authenticated")

    migrate(sqlite_url)
    ledger = connect(sqlite_url)
    app = create_app(lambda: ledger, dependencies=[Depends(need_key)])
    with serve_in_thread(app, health_path="/health") as server:
        for path in ("/", "/catalogue", "/api/runs", "/api/reference", "/api/outbound", "/api/catalogue"):
            assert requests.get(server.base_url + path, timeout=10).status_code == 401, path
            ok = requests.get(server.base_url + path, headers={"X-Key": "let-me-in"}, timeout=10)
            assert ok.status_code == 200, path
        assert requests.get(server.base_url + "/health", timeout=10).json() == {"status": "ok"}
    ledger.dispose()
