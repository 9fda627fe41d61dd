"""OAuth client-credentials tokens of the sandbox: issue, check, expire, revoke."""

from __future__ import annotations

import secrets
import threading
import time

from taimer_procountor.redaction import register_secret


class TokenStore:
    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry epoch seconds)
        self._lock = threading.Lock()
        self.issued = 0
        self.revoked = 0

    def issue(self, client_id: str, ttl_seconds: int) -> str:
        token = secrets.token_urlsafe(32)
        register_secret(token)
        with self._lock:
            self._tokens[token] = (client_id, time.time() + ttl_seconds)
            self.issued += 1
        return token

    def client_of(self, token: str | None) -> str | None:
        """Client id of a live token, or None (unknown, expired or revoked)."""
        if not token:
            return None
        with self._lock:
            entry = self._tokens.get(token)
            if entry is None:
                return None
            if entry[1] <= time.time():
                del self._tokens[token]
                return None
            return entry[0]

    def revoke(self, client_id: str | None = None) -> int:
        with self._lock:
            doomed = [t for t, (c, _) in self._tokens.items() if client_id is None or c == client_id]
            for t in doomed:
                del self._tokens[t]
            self.revoked += len(doomed)
            return len(doomed)

    def live_count(self) -> int:
        now = time.time()
        with self._lock:
            return sum(1 for _, exp in self._tokens.values() if exp > now)


def bearer(header: str | None) -> str | None:
    if header and header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None
