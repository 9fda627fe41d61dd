"""``ProcountorSettings``: everything the client needs, from plain arguments or from an Airflow connection's fields.

Airflow connection ``procountor_default`` (type http): host = API root (e.g. ``https://pts-api.procountor.com/api``),
login = client id, password = client secret, extra = ``{"api_key", "rate_per_second", "connect_timeout",
"read_timeout", "token_margin_seconds", "redirect_uri", "max_attempts"}``. ``from_connection_fields`` reads exactly
those; the hook passes them in. The secrets are registered for redaction as soon as settings are built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from taimer_procountor.redaction import register_secrets

PRODUCTION_BASE_URL = "https://api.procountor.com/api"
TEST_BASE_URL = "https://pts-api.procountor.com/api"  # Procountor's public testing server (PTS)

EXTRA_KEYS = (
    "api_key",
    "rate_per_second",
    "connect_timeout",
    "read_timeout",
    "token_margin_seconds",
    "redirect_uri",
    "max_attempts",
)


@dataclass(frozen=True)
class ProcountorSettings:
    """Connection settings. ``repr`` never shows the client secret or the API key."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    api_key: str = field(repr=False)
    rate_per_second: float = 20.0
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    token_margin_seconds: float = 60.0
    redirect_uri: str | None = None
    max_attempts: int = 5
    page_size: int = 200

    def __post_init__(self) -> None:
        register_secrets([self.client_secret, self.api_key])
        if not self.base_url or "://" not in self.base_url:
            raise ValueError(f"Procountor base_url needs a scheme (e.g. {TEST_BASE_URL}), got {self.base_url!r}")
        missing = [n for n in ("client_id", "client_secret", "api_key") if not getattr(self, n)]
        if missing:
            raise ValueError(f"Procountor settings are missing: {', '.join(missing)}")
        if self.rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if not 1 <= self.page_size <= 200:
            raise ValueError("page_size must be between 1 and 200")
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    @classmethod
    def from_connection_fields(
        cls,
        *,
        host: str | None,
        login: str | None,
        password: str | None,
        extra: Mapping[str, Any] | str | None = None,
        schema: str | None = None,
        port: int | None = None,
    ) -> ProcountorSettings:
        """Build settings from an Airflow connection's host/login/password/extra (no Airflow import needed)."""
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
        extra = dict(extra or {})
        base = (host or "").strip()
        if base and "://" not in base:
            base = f"{schema or 'https'}://{base}"
        if port and base:
            scheme, rest = base.split("://", 1)
            hostpart, _, path = rest.partition("/")
            if ":" not in hostpart:
                base = f"{scheme}://{hostpart}:{port}" + (f"/{path}" if path else "")
        kwargs: dict[str, Any] = {}
        for key, conv in (
            ("rate_per_second", float),
            ("connect_timeout", float),
            ("read_timeout", float),
            ("token_margin_seconds", float),
            ("max_attempts", int),
        ):
            if extra.get(key) not in (None, ""):
                kwargs[key] = conv(extra[key])
        if extra.get("redirect_uri"):
            kwargs["redirect_uri"] = str(extra["redirect_uri"])
        return cls(
            base_url=base,
            client_id=login or "",
            client_secret=password or "",
            api_key=str(extra.get("api_key") or ""),
            **kwargs,
        )
