"""Airflow plugin: the "Taimer ⇄ Procountor" page (the sync ledger's runs, reference snapshots, outbound documents and
error catalogue) inside Airflow 3's UI.

- ``fastapi_apps`` mounts ``taimer_procountor.report_ui`` on the api-server at ``/taimer-procountor``;
- ``external_views`` adds "Taimer ⇄ Procountor" to the navigation (Browse menu), shown in the UI's iframe at
  ``/plugin/taimer-procountor``.

Airflow's api-server attaches plugin apps with ``app.mount()``, so its own authentication does **not** reach them.
This plugin therefore guards every route (except ``/health``) with Airflow's auth: the caller's Airflow JWT (the UI's
``_token`` cookie, or ``Authorization: Bearer``) must name a user that may read the runs of **every** DAG, asked of the
configured auth manager as ``is_authorized_dag("GET", DagAccessEntity.RUN, details=None)``. The page shows the whole
ledger, so the permission is fixed: nothing from the request takes part (Airflow's ``requires_access_dag`` would read
``?dag_id=`` and let a user allowed one DAG see everything). 401 without a token, 403 without the permission.

A page request refused for want of a token is sent to Airflow's login page (the JSON API keeps answering 401). Each
run on the page links to its DAG run and task logs in Airflow's UI, under ``[api] base_url``'s path.

``listeners`` adds the run-note listener: when a DAG run ends, the note its report task published becomes the run's
note in Airflow's UI (``taimer_procountor.airflow.run_note``).

The ledger comes from the ``taimer_procountor_ledger_readonly`` connection if there is one (docker-compose sets it:
a role with ``SELECT`` only), else ``taimer_procountor_ledger``; either way it is opened read-only
(``taimer_procountor.report_ui.readonly``: SQLite ``mode=ro``, PostgreSQL read-only transactions). Resolved on each
request (never at import). Import cost is FastAPI + Jinja2 + the error catalogue: no ledger, no SQLAlchemy ORM, no
pandas.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from airflow.listeners import hookimpl
from airflow.plugins_manager import AirflowPlugin
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPBearer

from taimer_procountor.report_ui import LedgerUnavailable, create_app

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

URL_PREFIX = "/taimer-procountor"
READONLY_CONN_ID = "taimer_procountor_ledger_readonly"
URL_ROUTE = "taimer-procountor"
VIEW_NAME = "Taimer ⇄ Procountor"

_bearer = HTTPBearer(auto_error=False)
_ledgers: dict[str, Ledger] = {}
_ledgers_lock = threading.Lock()


async def require_airflow_dag_run_read(request: Request) -> None:
    """Airflow's own authentication and authorization for the report: a valid Airflow token whose user may read the
    runs of all DAGs (``details=None``; never details taken from the request). Uses
    ``airflow.api_fastapi.core_api.security`` (imported here, on the first request: it pulls in Airflow's models,
    which the api-server has loaded anyway)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagAccessEntity
    from airflow.api_fastapi.core_api.security import get_user

    credentials = await _bearer(request)
    user = await get_user(request, None, credentials)
    allowed = get_auth_manager().is_authorized_dag(
        method="GET", access_entity=DagAccessEntity.RUN, details=None, user=user
    )
    if not allowed:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Forbidden: the report needs read access to all DAG runs")


def report_ledger_url():
    """The URL the page reads: the read-only connection if it exists, else the ledger's own; read-only either way."""
    from airflow.exceptions import AirflowNotFoundException
    from airflow.sdk import BaseHook

    from taimer_procountor.airflow.ledger_connection import ledger_url, url_from_connection

    try:
        return url_from_connection(BaseHook.get_connection(READONLY_CONN_ID))
    except AirflowNotFoundException:
        return ledger_url()


def ledger_from_connection() -> Ledger:
    """The ledger ``report_ledger_url()`` names, opened read-only, one ``Ledger`` (engine) per URL. Never migrates
    and never creates: a SQLite file that does not exist yet is reported, not made."""
    from pathlib import Path

    from taimer_procountor.ledger import connect
    from taimer_procountor.report_ui.readonly import read_only_url

    url = report_ledger_url()
    file_backed = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if file_backed and not Path(url.database).exists():
        raise LedgerUnavailable(f"no ledger file at {url.database} yet: run a sync DAG first")
    url = read_only_url(url)
    key = url.render_as_string(hide_password=False)
    with _ledgers_lock:
        ledger = _ledgers.get(key)
        if ledger is None:
            ledger = _ledgers[key] = connect(url)
        return ledger


def airflow_root_path() -> str:
    """The path Airflow's UI is served under (``[api] base_url``'s path; "" at the root)."""
    from taimer_procountor.airflow.run_note import airflow_root_path as root_path

    return root_path()


def airflow_login_url(request: Request) -> str:
    """Airflow's login page (the configured auth manager's), coming back to the page asked for."""
    from airflow.api_fastapi.app import get_auth_manager

    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return get_auth_manager().get_url_login(next_url=here)


class RunNoteListener:
    """Sets the note a report task published as its DAG run's note when the run ends (runs where the run's state
    is decided: the scheduler, or the ``dag.test()`` process). Imports the library only when a run ends."""

    @hookimpl
    def on_dag_run_success(self, dag_run, msg: str) -> None:
        from taimer_procountor.airflow.run_note import copy_note_to_run

        copy_note_to_run(dag_run)

    @hookimpl
    def on_dag_run_failed(self, dag_run, msg: str) -> None:
        from taimer_procountor.airflow.run_note import copy_note_to_run

        copy_note_to_run(dag_run)


app = create_app(
    ledger_from_connection,
    dependencies=[Depends(require_airflow_dag_run_read)],
    airflow_root=airflow_root_path,
    login_url=airflow_login_url,
)


class TaimerProcountorUIPlugin(AirflowPlugin):
    name = "taimer_procountor_ui"
    fastapi_apps = [  # noqa: RUF012 - Airflow reads these class attributes
        {"app": app, "url_prefix": URL_PREFIX, "name": VIEW_NAME},
    ]
    listeners = [RunNoteListener()]  # noqa: RUF012
    external_views = [  # noqa: RUF012
        {
            "name": VIEW_NAME,
            # Relative (no leading slash): the UI resolves it against its base URL, so a base_url path prefix works.
            "href": URL_PREFIX.lstrip("/") + "/",
            "url_route": URL_ROUTE,  # rendered inside the UI (iframe) at /plugin/taimer-procountor
            "destination": "nav",
            "category": "browse",
        },
    ]
