"""The report UI as a FastAPI app: server-rendered pages and JSON over the sync ledger. Read-only.

    app = create_app(lambda: ledger)                       # standalone (python -m taimer_procountor.report_ui)
    app = create_app(provider, dependencies=[Depends(x)])  # the Airflow plugin adds Airflow's auth this way

Importing this module is cheap: it needs FastAPI, Jinja2 and the error catalogue, not the ledger (SQLAlchemy models
are imported on the first request), so the Airflow plugin that builds the app at import time stays light.

Routes (relative to wherever the app is mounted):

- ``GET /`` overview: the latest run of each flow (its root cause, counts table, errors, notices and retries), the
  run history, latest reference snapshot per kind, outbound documents by state and those needing attention, with
  every error code on the page explained. ``?lang=fi|en`` (kept in a cookie; without either, the browser's
  preferred of the two, else English), ``?limit=N`` runs (default 50).
- ``GET /inbound`` the inbound flow's latest run, routing reasons and watermarks (``report_ui.inbound``);
  ``GET /api/inbound`` the same as JSON.
- ``GET /catalogue`` the whole error catalogue; ``?code=...`` narrows it to matching codes.
- ``GET /api/runs``, ``/api/reference``, ``/api/outbound``, ``/api/catalogue``: the same as JSON.
- ``GET /outbound``, ``/api/outbound/report``: the latest outbound runs' reports (``report_ui.outbound``).
- ``GET /health``: ``{"status": "ok"}`` without touching the ledger (and without the auth dependencies).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from taimer_procountor.errors import lookup
from taimer_procountor.redaction import get_logger, redact
from taimer_procountor.report_ui import inbound
from taimer_procountor.report_ui.templates import TEMPLATES
from taimer_procountor.report_ui.texts import (
    COLUMN_WORDS,
    FIX_WHERE_WORDS,
    LANG_COOKIE,
    STATUS_WORDS,
    TEXTS,
    request_language,
)
from taimer_procountor.summary_text import fix_text

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

log = get_logger(__name__)

LedgerProvider = Callable[[], "Ledger"]
LoginUrl = Callable[[Request], str]


class LedgerUnavailable(RuntimeError):
    """Raised by a ledger provider when there is no ledger to read yet (e.g. the SQLite file does not exist): the
    page says so instead of failing, and nothing is created."""


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.DictLoader({**TEMPLATES, "inbound.html": inbound.TEMPLATE}),
        autoescape=True,  # every template, every variable
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["duration"] = _duration
    return env


def _when(value: str | None) -> str:
    """An ISO timestamp as ``YYYY-MM-DD HH:MM:SS UTC`` (times in the ledger are UTC)."""
    if not value:
        return "–"
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def create_app(
    ledger_provider: LedgerProvider,
    *,
    dependencies: Sequence[Depends] | None = None,
    title: str = "Taimer ⇄ Procountor",
    airflow_root: Callable[[], str] | None = None,
    login_url: LoginUrl | None = None,
) -> FastAPI:
    """The report UI over the ledger that ``ledger_provider()`` returns, called once per request (so a changed
    connection is picked up; the provider should cache ``Ledger`` objects per URL, since each holds an engine).
    ``dependencies`` guard every route except ``/health`` (the Airflow plugin passes Airflow's auth here). The app
    only reads: it calls the ledger's query methods and ``Ledger.read()`` sessions, never a write.

    ``airflow_root()``: the path Airflow's UI is served under ("" at the root); with it, each run links to its DAG
    run and task logs in Airflow (``/dags/{dag_id}/runs/{run_id}[/tasks/{task_id}]``). ``login_url(request)``: where
    a page request that the dependencies refused with 401 is sent instead (the JSON API keeps answering 401)."""
    env = _environment()
    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None)
    guarded = APIRouter(dependencies=list(dependencies or []))

    @app.exception_handler(StarletteHTTPException)
    async def login_instead_of_401(request: Request, exc: StarletteHTTPException) -> Response:
        wants_page = "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
            request.scope.get("root_path", "").rstrip("/") + "/api/"
        )
        if exc.status_code == 401 and login_url is not None and wants_page:
            return RedirectResponse(login_url(request), status_code=303)
        return await http_exception_handler(request, exc)

    def ledger() -> Ledger:
        return ledger_provider()

    def render(request: Request, template: str, lang: str, **context: Any) -> HTMLResponse:
        t = TEXTS[lang]
        root = request.scope.get("root_path", "").rstrip("/")

        def lang_query(target: str) -> str:
            params = dict(request.query_params)
            params["lang"] = target
            return urlencode(params)

        page = env.get_template(template).render(
            lang=lang,
            t=t,
            root=root,
            airflow_root=airflow_root() if airflow_root is not None else None,
            now=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            lang_query=lang_query,
            status_word=lambda s: STATUS_WORDS[lang].get(str(s), str(s)),
            where_word=lambda w: FIX_WHERE_WORDS[lang].get(str(w), str(w)),
            meaning=lambda code: getattr(lookup(code), lang),
            failed_fix=lambda code: fix_text(lookup(code), lang, failed_step=True),
            column_word=lambda c: COLUMN_WORDS[lang].get(str(c), str(c)),
            **context,
        )
        response = HTMLResponse(page, headers={"Cache-Control": "no-store"})
        if request.query_params.get("lang") == lang:  # an explicit choice is kept for the next visit
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path=root or "/", samesite="lax")
        return response

    def read_all(limit: int) -> dict[str, Any]:
        from taimer_procountor.report_ui import data

        led = ledger()
        return {"runs": data.runs(led, limit), "reference": data.reference(led), "outbound": data.outbound(led)}

    def unavailable_text(exc: Exception) -> str:
        return redact(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")

    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @guarded.get("/", response_class=HTMLResponse)
    def overview(
        request: Request,
        lang: str | None = None,
        limit: int = Query(50, ge=1, le=500),
    ) -> HTMLResponse:
        lang = request_language(request)
        try:
            found = read_all(limit)
        except Exception as exc:  # the page says what failed instead of a bare 500
            log.warning("report UI could not read the ledger: %s", unavailable_text(exc))
            return render(
                request,
                "overview.html",
                lang,
                page="overview",
                page_title=TEXTS[lang]["nav_overview"],
                unavailable=unavailable_text(exc),
                runs=[],
                latest=[],
                latest_ids=set(),
                reference=[],
                outbound={},
                explained=[],
            )
        from taimer_procountor.report_ui.data import explain, latest_per_flow, run_codes

        codes, failed_codes = run_codes(found["runs"])
        for d in found["outbound"]["attention"]:
            codes.extend(d["error_codes"])
        latest = latest_per_flow(found["runs"])
        return render(
            request,
            "overview.html",
            lang,
            page="overview",
            page_title=TEXTS[lang]["nav_overview"],
            unavailable=None,
            explained=explain(codes, failed_step_codes=failed_codes),
            latest=latest,
            latest_ids={r["id"] for r in latest},
            **found,
        )

    @guarded.get("/catalogue", response_class=HTMLResponse)
    def catalogue_page(
        request: Request, lang: str | None = None, code: str | None = Query(None, max_length=64)
    ) -> HTMLResponse:
        from taimer_procountor.report_ui.data import catalogue

        lang = request_language(request)
        return render(
            request,
            "catalogue.html",
            lang,
            page="catalogue",
            page_title=TEXTS[lang]["nav_catalogue"],
            code=code,
            entries=catalogue(code),
        )

    def api(fn: Callable[[], Any]) -> JSONResponse:
        try:
            return JSONResponse(fn(), headers={"Cache-Control": "no-store"})
        except HTTPException:
            raise
        except Exception as exc:
            log.warning("report UI could not read the ledger: %s", unavailable_text(exc))
            return JSONResponse({"error": unavailable_text(exc)}, status_code=503)

    @guarded.get("/api/runs")
    def api_runs(limit: int = Query(50, ge=1, le=500)) -> JSONResponse:
        from taimer_procountor.report_ui import data

        return api(lambda: {"runs": data.runs(ledger(), limit)})

    @guarded.get("/api/reference")
    def api_reference() -> JSONResponse:
        from taimer_procountor.report_ui import data

        return api(lambda: {"snapshots": data.reference(ledger())})

    @guarded.get("/api/outbound")
    def api_outbound() -> JSONResponse:
        from taimer_procountor.report_ui import data

        return api(lambda: data.outbound(ledger()))

    @guarded.get("/api/catalogue")
    def api_catalogue(code: str | None = Query(None, max_length=64)) -> JSONResponse:
        from taimer_procountor.report_ui import data

        return api(lambda: {"entries": data.catalogue(code)})

    from taimer_procountor.report_ui import outbound

    outbound.add_routes(guarded, ledger, api)
    inbound.add_routes(guarded, ledger, render, api, request_language)
    app.include_router(guarded)
    return app
