"""Settings of the Procountor sandbox; every field can come from an environment variable (``from_env``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "PROCOUNTOR_SANDBOX_"


@dataclass
class ProcountorSandboxSettings:
    """What ``create_app`` needs. Environment variables (``from_env``): ``PROCOUNTOR_SANDBOX_CLIENT_ID``,
    ``..._CLIENT_SECRET``, ``..._API_KEY``, ``..._TOKEN_TTL_SECONDS``, ``..._RATE_PER_SECOND``,
    ``..._TIMEOUT_FAULT_SECONDS``, ``..._FIXTURE`` (path to a dataset JSON file), ``..._VALIDATE_RESPONSES`` (1/0)."""

    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105 - documented sandbox default, not a real secret
    api_key: str = "sandbox-api-key"
    token_ttl_seconds: int = 3600
    rate_per_second: int = 20  # per client id, sliding one-second window; 0 turns the limit off
    rate_window_seconds: float = 1.0
    retry_after_seconds: int | None = None  # None: seconds until the window frees a slot (at least 1)
    timeout_fault_seconds: float = 35.0  # default sleep of a timeout_after_commit fault
    max_attachment_bytes: int = 10_000_000
    request_log_size: int = 10_000
    validate_responses: bool = True
    fixture_path: Path | None = None
    extra_clients: dict[str, tuple[str, str]] = field(default_factory=dict)  # client id -> (secret, api key)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> ProcountorSandboxSettings:
        env = dict(os.environ if env is None else env)
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or f.name == "extra_clients":
                continue
            if f.name in ("token_ttl_seconds", "rate_per_second", "request_log_size", "max_attachment_bytes"):
                kwargs[f.name] = int(raw)
            elif f.name in ("rate_window_seconds", "timeout_fault_seconds"):
                kwargs[f.name] = float(raw)
            elif f.name == "retry_after_seconds":
                kwargs[f.name] = int(raw) if raw else None
            elif f.name == "validate_responses":
                kwargs[f.name] = raw.strip().lower() not in ("0", "false", "no", "off")
            elif f.name == "fixture_path":
                kwargs[f.name] = Path(raw) if raw else None
            else:
                kwargs[f.name] = raw
        if env.get("PROCOUNTOR_SANDBOX_FIXTURE"):
            kwargs["fixture_path"] = Path(env["PROCOUNTOR_SANDBOX_FIXTURE"])
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**kwargs)  # type: ignore[arg-type]

    def credentials(self) -> dict[str, tuple[str, str]]:
        """client id -> (client secret, API key) of every client the token endpoint accepts."""
        return {self.client_id: (self.client_secret, self.api_key), **self.extra_clients}
