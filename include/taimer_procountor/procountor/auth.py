"""Access tokens for Procountor's machine-to-machine login (docs/procountor-client.md, "Authentication").

``POST {base}/oauth/token`` with a form body ``grant_type=client_credentials, client_id, client_secret, api_key``
(and ``redirect_uri`` when configured) answers ``{access_token, expires_in}``. There is no refresh token: the
``TokenManager`` caches the token until ``token_margin_seconds`` before it expires and then asks for a new one. A
401 on an API call makes the client call ``invalidate(token)`` and retry the call once with a new token.

One login at a time: threads that need a token while another thread is logging in wait for that login instead of
starting their own.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from taimer_procountor.http import HttpTransport, TransportError
from taimer_procountor.http.answers import MalformedAnswer, decode_json, validate_answer
from taimer_procountor.procountor.errors import ProcountorMalformedAnswer, ProcountorUnauthorized, from_transport
from taimer_procountor.procountor.models import TokenResponse
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.redaction import get_logger, register_secret

log = get_logger(__name__)
# What a bearer token can be sent as in a header: printable ASCII without spaces.
_TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")

TOKEN_PATH = "oauth/token"  # noqa: S105 - a URL path, not a password


class TokenManager:
    def __init__(
        self,
        transport: HttpTransport,
        settings: ProcountorSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_token: Callable[[str], object] | None = None,
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._clock = clock
        self._on_token = on_token
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0
        self.logins = 0  # how many tokens this manager has fetched (for tests and metrics)

    def _valid(self) -> bool:
        if self._token is None:
            return False
        return self._clock() < self._expires_at

    def token(self) -> str:
        """A valid access token, fetching a new one when there is none or it is about to expire."""
        with self._lock:
            if not self._valid():
                self._login()
            assert self._token is not None
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Forget ``token`` (or the current token): the next ``token()`` logs in again. A token another thread
        has already replaced is left alone, so a burst of 401s causes one login, not one per thread."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None
                self._expires_at = 0.0

    def _login(self) -> None:
        s = self._settings
        form = {
            "grant_type": "client_credentials",
            "client_id": s.client_id,
            "client_secret": s.client_secret,
            "api_key": s.api_key,
        }
        if s.redirect_uri:
            form["redirect_uri"] = s.redirect_uri
        log.debug("logging in to Procountor at %s as client %s", s.base_url, s.client_id)
        try:
            # Asking for a token has no side effect worth guarding: safe to retry on transient failures.
            response = self._transport.send(
                "POST",
                TOKEN_PATH,
                data=form,
                headers={"Accept": "application/json"},
                idempotent=True,
            )
        except TransportError as exc:
            err = from_transport(exc, "/" + TOKEN_PATH)
            if err.status in (400, 401, 403):
                raise ProcountorUnauthorized(
                    f"Procountor refused the login of client {s.client_id}: {err.message}",
                    status=err.status,
                    errors=err.errors,
                    method="POST",
                    path="/" + TOKEN_PATH,
                ) from exc
            raise err from exc
        try:
            answer = validate_answer(TokenResponse, decode_json(response.content))
            if answer.expires_in <= 0 or not _TOKEN.fullmatch(answer.access_token):
                raise MalformedAnswer("the token answer has no printable token or no positive lifetime")
        except MalformedAnswer as exc:
            # Not chained: the pydantic error would quote the answer, which holds the token.
            raise ProcountorMalformedAnswer(
                f"Procountor's token answer was not understood: {exc}",
                fields=exc.fields,
                status=response.status_code,
                path="/" + TOKEN_PATH,
            ) from None
        register_secret(answer.access_token)
        if self._on_token is not None:
            self._on_token(answer.access_token)
        lifetime = float(answer.expires_in)
        # Never let the margin eat the whole lifetime of a short-lived token.
        margin = min(s.token_margin_seconds, lifetime / 2)
        self._token = answer.access_token
        self._expires_at = self._clock() + lifetime - margin
        self.logins += 1
        log.info("logged in to Procountor (token valid %d s, renewed %d s early)", int(lifetime), int(margin))
