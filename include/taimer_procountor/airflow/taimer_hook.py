"""``TaimerHook``: the Airflow edge of the Taimer adapter.

It subclasses providers-http's ``HttpHook`` for connection handling and builds a ``TaimerRestAdapter`` (the library
client) with the session the hook configures. Connection ``taimer_default`` (type http):

- host: API root, e.g. ``http://127.0.0.1:8701/api/v1`` (``/api/v1`` is added when the URL has no path);
- password: the Taimer API key (sent as ``X-API-Key``, never as basic auth; masked in task logs);
- extra: ``{"rate_per_second": 10, "connect_timeout": 5, "read_timeout": 30, "page_size": 100}``.

Usage in a task::

    from taimer_procountor.airflow.taimer_hook import TaimerHook
    taimer = TaimerHook().get_adapter()         # a TaimerAdapter
    for doc in taimer.iter_ready(DocumentKind.SALES_INVOICE): ...
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from airflow.providers.http.hooks.http import HttpHook
from requests import Session

from taimer_procountor.airflow.masking import mask_in_airflow
from taimer_procountor.http import Timeouts
from taimer_procountor.taimer.contract import API_PREFIX, DEFAULT_PAGE_SIZE
from taimer_procountor.taimer.rest import DEFAULT_RATE_PER_SECOND, TaimerRestAdapter

# Our own extras: HttpHook would otherwise send every extra as an HTTP header.
OWN_EXTRAS = ("rate_per_second", "connect_timeout", "read_timeout", "page_size")


class TaimerHook(HttpHook):
    """Airflow hook for Taimer; ``get_adapter()`` returns the ``TaimerAdapter`` the sync code uses."""

    conn_name_attr = "taimer_conn_id"
    default_conn_name = "taimer_default"
    conn_type = "http"
    hook_name = "Taimer"

    def __init__(self, taimer_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(method="GET", http_conn_id=taimer_conn_id, **kwargs)
        self.taimer_conn_id = taimer_conn_id

    def get_conn(self, headers: dict[Any, Any] | None = None, extra_options: dict[str, Any] | None = None) -> Session:
        session = super().get_conn(headers=headers, extra_options=extra_options)
        for name in OWN_EXTRAS:
            session.headers.pop(name, None)
        session.auth = None  # the API key goes in X-API-Key, set per request by the client
        return session

    def get_adapter(self) -> TaimerRestAdapter:
        conn = self.get_connection(self.http_conn_id)
        api_key = conn.password or ""
        mask_in_airflow(api_key)
        session = self.get_conn()
        extra = conn.extra_dejson
        base_url = self.base_url
        if urlparse(base_url).path in ("", "/"):
            base_url = base_url.rstrip("/") + API_PREFIX
        return TaimerRestAdapter(
            session,
            base_url,
            api_key,
            rate_per_second=float(extra.get("rate_per_second") or DEFAULT_RATE_PER_SECOND),
            timeouts=Timeouts(
                connect=float(extra.get("connect_timeout") or 5), read=float(extra.get("read_timeout") or 30)
            ),
            page_size=int(extra.get("page_size") or DEFAULT_PAGE_SIZE),
        )
