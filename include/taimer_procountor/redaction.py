"""Keep secrets (client secret, API keys, access tokens) out of logs, exception texts, XCom and the ledger.

Every component that learns a secret registers it here the moment it learns it (``register_secret``). Text that
leaves the process through a log record or an error message goes through ``redact``; ``RedactingFilter`` does that
for log records, attached to every module logger made with ``get_logger``. Inside Airflow tasks the hooks also hand
secrets to Airflow's own masker, which covers task logs written by Airflow itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

MASK = "***"
# Shorter strings are too likely to occur by chance in ordinary text to be masked safely.
_MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember ``value`` as a secret so that ``redact`` masks it from now on."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def register_secrets(values: Iterable[str | None]) -> None:
    for value in values:
        register_secret(value)


def redact(text: object) -> str:
    """``text`` as a string with every registered secret replaced by ``***`` (longest first, so a secret that
    contains another is masked whole)."""
    out = str(text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in out:
            out = out.replace(secret, MASK)
    return out


class RedactingFilter(logging.Filter):
    """A logging filter that masks registered secrets in the message and its arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with a ``RedactingFilter`` attached (idempotent).

    Logger filters only see records logged on that very logger, not those propagated from children, so every module
    of the package gets its logger here: ``log = get_logger(__name__)``.
    """
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
