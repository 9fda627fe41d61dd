"""``ProcountorHook``: reads the ``procountor_default`` connection and hands out a ready ``ProcountorClient``.

Connection (type ``http``): host = API root (``https://pts-api.procountor.com/api`` for Procountor's public test
server), login = client id, password = client secret, extra =
``{"api_key": "...", "rate_per_second": 20, "connect_timeout": 5, "read_timeout": 30, "token_margin_seconds": 60}``.

The session comes from ``HttpHook.get_conn()`` (proxies, TLS verification and keep-alive from the connection), with
two things undone that ``HttpHook`` would otherwise do wrongly for Procountor: it would send login/password as HTTP
Basic auth on every request (Procountor wants a bearer token, and the client secret must not travel with every
call) and it would copy every extra key into the request headers (the API key among them).

The client's limiter runs at the task's share of the connection's ``rate_per_second`` (the ``procountor_api``
pool divides it between the tasks that may run at once: ``airflow/pools.py``).

The client secret, the API key (and later each access token) are handed to Airflow's secrets masker as well as to
``taimer_procountor.redaction``, so they are masked in task logs.
"""

from __future__ import annotations

from typing import Any

import requests
from airflow.providers.http.hooks.http import HttpHook

from taimer_procountor.airflow.masking import mask_in_airflow
from taimer_procountor.airflow.pools import current_task_slots, pool_slots, task_rate
from taimer_procountor.http import RateLimiter
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.redaction import get_logger

log = get_logger(__name__)


class ProcountorHook(HttpHook):
    """Airflow hook for Procountor. ``get_client()`` returns a ``ProcountorClient`` built on ``get_conn()``."""

    conn_name_attr = "procountor_conn_id"
    default_conn_name = "procountor_default"
    conn_type = "http"
    hook_name = "Procountor"

    def __init__(self, procountor_conn_id: str = default_conn_name, *, limiter: RateLimiter | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        kwargs.setdefault("method", "GET")
        super().__init__(http_conn_id=procountor_conn_id, **kwargs)
        self.procountor_conn_id = procountor_conn_id
        self._limiter = limiter
        self._client: ProcountorClient | None = None

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        return {
            "hidden_fields": ["schema", "port"],
            "relabeling": {"host": "API root URL", "login": "Client id", "password": "Client secret"},
            "placeholders": {
                "host": "https://pts-api.procountor.com/api",
                "extra": '{"api_key": "...", "rate_per_second": 20, "connect_timeout": 5, "read_timeout": 30, '
                '"token_margin_seconds": 60}',
            },
        }

    def get_settings(self) -> ProcountorSettings:
        """``ProcountorSettings`` from the connection's host, login, password and extras."""
        conn = self.get_connection(self.procountor_conn_id)
        extra = conn.extra_dejson
        mask_in_airflow(conn.password, extra.get("api_key"))
        return ProcountorSettings.from_connection_fields(
            host=conn.host, login=conn.login, password=conn.password, extra=extra, schema=conn.schema, port=conn.port
        )

    def get_conn(
        self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None
    ) -> requests.Session:
        """HttpHook's session without Basic auth and without our extras as headers."""
        session: requests.Session = super().get_conn(headers=headers, extra_options=extra_options)
        session.auth = None
        conn = self.get_connection(self.procountor_conn_id)
        for key in list(conn.extra_dejson):  # HttpHook copied every extra into the headers, the API key among them
            session.headers.pop(key, None)
        return session

    def get_client(self) -> ProcountorClient:
        """A ready client (one per hook; its token and limiter are shared by every caller of this hook). Its limiter
        runs at this task's share of the connection's rate: ``rate_per_second`` times the task's slots in the
        ``procountor_api`` pool over the pool's size (``airflow/pools.py``), so the tasks that run at once share one
        budget."""
        if self._client is None:
            settings = self.get_settings()
            limiter = self._limiter
            if limiter is None:
                task_slots = current_task_slots()
                rate = task_rate(settings.rate_per_second, task_slots=task_slots)
                limiter = RateLimiter(rate)
                log.info(
                    "Procountor rate for this task: %g/s (%d of %d pool slots at %g/s)",
                    rate,
                    task_slots,
                    pool_slots(),
                    settings.rate_per_second,
                )
            self._client = ProcountorClient(
                settings, session=self.get_conn(), limiter=limiter, on_secret=mask_in_airflow
            )
            log.info("Procountor client ready for %s (%s)", settings.base_url, self.procountor_conn_id)
        return self._client

    def test_connection(self) -> tuple[bool, str]:
        """Log in and read the company: proves host, credentials and API key."""
        try:
            company = self.get_client().company()
        except Exception as exc:  # the UI wants (False, message), not a traceback
            return False, str(exc)
        return True, f"Connected to Procountor company {company.name} (id {company.id})"
