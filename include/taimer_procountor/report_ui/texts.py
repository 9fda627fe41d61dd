"""The report UI's own words, in Finnish and English (the catalogue has the error codes' texts)."""

from __future__ import annotations

from typing import Any

LANGUAGES = ("fi", "en")
DEFAULT_LANGUAGE = "en"  # the language of Airflow's own UI; Finnish is one click away and then kept
LANG_COOKIE = "taimer_procountor_lang"

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Taimer ⇄ Procountor",
        "subtitle": "Synkronoinnin tila synkronointikirjanpidosta (ledger)",
        "nav_label": "Sivut",
        "nav_overview": "Yleiskuva",
        "nav_catalogue": "Virheluettelo",
        "lang_label": "Kieli",
        "latest": "Kunkin vuon viimeisin ajo",
        "details": "Yhteenveto",
        "show": "Määrät, virheet ja uusintayritykset",
        "root_cause": "Juurisyy",
        "task": "tehtävä",
        "failed_after": "epäonnistui {n}. yrityksellä",
        "did_not_run": "Ei ajettu (aiempi vaihe epäonnistui)",
        "counts_caption": "Määrät lajeittain ({flow})",
        "notices": "Huomautukset",
        "retries": "Uusintayritykset",
        "tries_failed": "yritys {tries} epäonnistui",
        "then_succeeded": "onnistui yrityksellä {n}",
        "airflow_run": "Avaa ajo Airflow'ssa",
        "task_log": "tehtävän loki",
        "no_summary": "Ajolle ei ole tallennettu yhteenvetoa (ajo on kesken).",
        "runs": "Ajohistoria",
        "runs_intro": "Uusimmat ensin. Jokainen rivi on yhden DAG-ajon yksi vuo.",
        "runs_empty": "Ajoja ei ole vielä kirjattu: mikään synkronointi-DAG ei ole ajanut tätä kirjanpitoa vasten.",
        "started": "Alkoi",
        "finished": "Päättyi",
        "duration": "Kesto",
        "flow": "Vuo",
        "dag_run": "DAG / ajo",
        "status": "Tila",
        "attempts": "Yrityksiä",
        "counts": "Määrät",
        "errors": "Virheet",
        "no_errors": "ei virheitä",
        "codes_on_page": "Tämän sivun virhekoodit",
        "codes_on_page_intro": "Mitä kukin yllä näkyvä koodi tarkoittaa ja mitä korjataan missä.",
        "code": "Koodi",
        "meaning": "Merkitys",
        "fix": "Mitä korjataan",
        "where": "Missä",
        "where_field": "Kohde",
        "detail": "Lisätieto",
        "reference": "Perustiedot (viimeisin tilannekuva lajeittain)",
        "reference_empty": "Perustietojen tilannekuvia ei ole vielä: perustietojen synkronointi "
        "(procountor_reference_sync) ei ole ajanut.",
        "kind": "Laji",
        "items": "Rivejä",
        "fetched_at": "Haettu",
        "added": "Lisätty",
        "changed": "Muuttunut",
        "removed": "Poistunut",
        "snapshot_id": "Tilannekuva",
        "snapshots_kept": "Tallessa",
        "outbound": "Lähtevät tositteet (Taimer → Procountor)",
        "outbound_empty": "Kirjanpidossa ei ole yhtään lähtevää tositetta. Lähtevä synkronointi (Taimer → "
        "Procountor) ei ole vielä kirjannut yhtään laskua; tämä sivu ei näytä keksittyä dataa.",
        "source_type": "Tositelaji",
        "state": "Tila",
        "count": "Määrä",
        "total": "Yhteensä",
        "attention": "Vaativat huomiota",
        "attention_intro": "Virheelliset, Procountorin hylkäämät, lopputulokseltaan tuntemattomat ja lähettämisen "
        "jälkeen Taimerissa muuttuneet tositteet.",
        "attention_empty": "Yksikään tosite ei vaadi huomiota.",
        "doc_id": "Id",
        "taimer_number": "Taimer-numero",
        "source_id": "Taimer-id",
        "flags": "Liput",
        "changed_after_send": "muuttunut lähetyksen jälkeen",
        "lookup_required": "tarkistettava Procountorista",
        "updated": "Päivitetty",
        "catalogue": "Virheluettelo",
        "catalogue_intro": "Kaikki virhekoodit, jotka integraatio voi antaa. Taimerissa näkyvän koodin voi hakea "
        "tästä.",
        "search_code": "Hae koodia",
        "n_codes": "{n} koodia",
        "search": "Hae",
        "show_all": "Näytä kaikki",
        "meaning_fi": "Merkitys (suomi)",
        "meaning_en": "Merkitys (englanti)",
        "retryable": "Uusitaan itse",
        "yes": "kyllä",
        "no": "ei",
        "not_catalogued": "ei vielä luettelossa",
        "unavailable": "Kirjanpitoa ei voitu lukea",
        "generated": "Luettu kirjanpidosta",
        "json": "Samat tiedot JSON-muodossa",
        "none": "–",
    },
    "en": {
        "title": "Taimer ⇄ Procountor",
        "subtitle": "State of the sync, read from the sync ledger",
        "nav_label": "Pages",
        "nav_overview": "Overview",
        "nav_catalogue": "Error catalogue",
        "lang_label": "Language",
        "latest": "Latest run of each flow",
        "details": "Summary",
        "show": "Counts, errors and retries",
        "root_cause": "Root cause",
        "task": "task",
        "failed_after": "failed on attempt {n}",
        "did_not_run": "Did not run (upstream failed)",
        "counts_caption": "Counts per kind ({flow})",
        "notices": "Notices",
        "retries": "Retries",
        "tries_failed": "attempt {tries} failed",
        "then_succeeded": "succeeded on attempt {n}",
        "airflow_run": "Open the run in Airflow",
        "task_log": "task log",
        "no_summary": "No summary stored for this run (it is still running).",
        "runs": "Run history",
        "runs_intro": "Newest first. Each row is one flow of one DAG run.",
        "runs_empty": "No runs recorded yet: no sync DAG has run against this ledger.",
        "started": "Started",
        "finished": "Finished",
        "duration": "Duration",
        "flow": "Flow",
        "dag_run": "DAG / run",
        "status": "Status",
        "attempts": "Attempts",
        "counts": "Counts",
        "errors": "Errors",
        "no_errors": "no errors",
        "codes_on_page": "Error codes on this page",
        "codes_on_page_intro": "What each code shown above means, and what to fix where.",
        "code": "Code",
        "meaning": "Meaning",
        "fix": "What to fix",
        "where": "Where",
        "where_field": "Where",
        "detail": "Detail",
        "reference": "Reference data (latest snapshot per kind)",
        "reference_empty": "No reference snapshots yet: the reference sync (procountor_reference_sync) has not run.",
        "kind": "Kind",
        "items": "Items",
        "fetched_at": "Fetched",
        "added": "Added",
        "changed": "Changed",
        "removed": "Removed",
        "snapshot_id": "Snapshot",
        "snapshots_kept": "Kept",
        "outbound": "Outbound documents (Taimer → Procountor)",
        "outbound_empty": "The ledger holds no outbound documents. The outbound flow (Taimer → Procountor) has not "
        "recorded any invoice yet; this page shows no made-up data.",
        "source_type": "Source type",
        "state": "State",
        "count": "Count",
        "total": "Total",
        "attention": "Needing attention",
        "attention_intro": "Invalid documents, documents Procountor refused, documents whose outcome is unknown, and "
        "documents changed in Taimer after they were sent.",
        "attention_empty": "No document needs attention.",
        "doc_id": "Id",
        "taimer_number": "Taimer number",
        "source_id": "Taimer id",
        "flags": "Flags",
        "changed_after_send": "changed after send",
        "lookup_required": "look up in Procountor",
        "updated": "Updated",
        "catalogue": "Error catalogue",
        "catalogue_intro": "Every error code the integration can raise. Look up a code Taimer shows you here.",
        "search_code": "Look up a code",
        "n_codes": "{n} codes",
        "search": "Search",
        "show_all": "Show all",
        "meaning_fi": "Meaning (Finnish)",
        "meaning_en": "Meaning (English)",
        "retryable": "Retried automatically",
        "yes": "yes",
        "no": "no",
        "not_catalogued": "not in the catalogue yet",
        "unavailable": "The ledger could not be read",
        "generated": "Read from the ledger",
        "json": "The same data as JSON",
        "none": "–",
    },
}

STATUS_WORDS: dict[str, dict[str, str]] = {
    "fi": {"success": "onnistui", "partial": "osittain", "failed": "epäonnistui", "running": "käynnissä"},
    "en": {"success": "ok", "partial": "partial", "failed": "failed", "running": "running"},
}

FIX_WHERE_WORDS: dict[str, dict[str, str]] = {
    "fi": {
        "taimer": "Taimer",
        "procountor": "Procountor",
        "integration": "integraation asetukset",
        "transient": "ohimenevä: ei korjattavaa",
    },
    "en": {
        "taimer": "Taimer",
        "procountor": "Procountor",
        "integration": "integration settings",
        "transient": "transient: nothing to fix",
    },
}


# The per-kind table's column names (``summary.COUNT_COLUMNS`` and the extra columns flows add).
COLUMN_WORDS: dict[str, dict[str, str]] = {
    "fi": {
        "extracted": "luettu",
        "created": "luotu",
        "updated": "päivitetty",
        "unchanged": "ennallaan",
        "invalid": "virheellisiä",
        "conflicts": "ristiriitoja",
        "failed": "epäonnistui",
        "added": "lisätty",
        "changed": "muuttunut",
        "removed": "poistunut",
    },
    "en": {"extracted": "read"},
}


def _known(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value if value in LANGUAGES else None


def language(value: str | None) -> str:
    """``value`` if it names a language of the UI, else the default."""
    return _known(value) or DEFAULT_LANGUAGE


def request_language(request: Any) -> str:
    """The language of a page request (a Starlette ``Request``): see ``negotiate_language``."""
    return negotiate_language(
        request.query_params.get("lang"), request.cookies.get(LANG_COOKIE), request.headers.get("accept-language")
    )


def negotiate_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """``?lang=`` first, then the choice kept in the cookie, then the browser's preferred of fi/en, else English."""
    for choice in (query, cookie):
        if _known(choice):
            return str(_known(choice))
    best: tuple[float, str] | None = None
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        primary = tag.split("-")[0].strip().lower()
        if primary not in LANGUAGES:
            continue
        try:
            q = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            q = 0.0
        if best is None or q > best[0]:
            best = (q, primary)
    return best[1] if best else DEFAULT_LANGUAGE
