"""Keep secrets (client secret, API keys, access tokens) out of logs, exception texts, XCom and the ledger.

Every component that learns a secret registers it here the moment it learns it (``register_secret``). Text that
leaves the process through a log record or an error message goes through ``redact``; ``RedactingFilter`` does that
for log records (message, arguments, the formatted traceback and stack), attached to every module logger made with
``get_logger``; ``RedactingFormatter`` redacts whatever a handler finally writes. Inside Airflow tasks the hooks also
hand secrets to Airflow's own masker, which covers task logs written by Airflow itself.

A secret is masked wherever its text occurs, so a value that also occurs in ordinary text would mangle it (a
database password ``ledger`` turns every "ledger" into ``***``). ``register_secret`` therefore refuses, with a
warning that names no value, secrets shorter than ``MIN_SECRET_LENGTH`` (8) characters and common words
(``COMMON_WORDS``, compared case-insensitively): such a value is no secret worth the name and must be replaced by a
random one (``make env`` makes them for docker-compose).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from types import TracebackType

# what ``logging`` passes to ``Formatter.formatException`` (``sys.exc_info()``)
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
MASK = "***"
# Shorter strings are too likely to occur by chance in ordinary text to be masked safely.
MIN_SECRET_LENGTH = 8
# Words (and default passwords) that occur in our own texts, connection names and hosts, or anywhere: masking them
# would rewrite ordinary text. Compared case-insensitively with the whole secret.
COMMON_WORDS = frozenset(
    {
        "12345678",
        "123456789",
        "abcdefgh",
        "administrator",
        "airflow",
        "changeit",
        "changeme",
        "database",
        "default",
        "example",
        "invoices",
        "letmein1",
        "password",
        "postgres",
        "postgresql",
        "procountor",
        "qwertyui",
        "sandbox",
        "password1",
        "passw0rd",
        "taimer_procountor",
        "taimer_procountor_ledger",
        "test1234",
        "username",
    }
)

_lock = threading.Lock()
_secrets: set[str] = set()
_log = logging.getLogger(__name__)
_TRACEBACK_FORMATTER = logging.Formatter()


def register_secret(value: str | None) -> bool:
    """Remember ``value`` as a secret so that ``redact`` masks it from now on. Returns whether it was registered: an
    empty value is ignored, one too short or too common to mask safely is refused with a warning (see module doc)."""
    if not value:
        return False
    value = str(value)
    if len(value) < MIN_SECRET_LENGTH or value.lower() in COMMON_WORDS:
        why = f"shorter than {MIN_SECRET_LENGTH} characters" if len(value) < MIN_SECRET_LENGTH else "a common word"
        # The value itself is never logged; the logger is the plain one (this is the redaction module).
        _log.warning(
            "a secret of %d characters was not registered for masking: it is %s and would mask ordinary text. "
            "Replace it with a random value (e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))').",
            len(value),
            why,
        )
        return False
    with _lock:
        _secrets.add(value)
    return True


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
    """A logging filter that masks registered secrets in the message, its arguments, the traceback and the stack.

    The traceback is formatted here (``exc_text``, which every ``logging.Formatter`` uses instead of formatting
    ``exc_info`` again) and redacted, so ``log.exception`` cannot print a secret that an exception's text carries."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg = clean
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACK_FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, traceback, everything) passes through ``redact``: for handlers that may
    receive records from loggers without a ``RedactingFilter`` (e.g. the command line's root handler)."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: ExcInfo) -> str:
        return redact(super().formatException(ei))


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with a ``RedactingFilter`` attached (idempotent).

    Logger filters only see records logged on that very logger, not those propagated from children, so every module
    of the package gets its logger here: ``log = get_logger(__name__)``.
    """
    logger = logging.getLogger(name)
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
    return logger
