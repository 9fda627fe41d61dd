"""The secret registry and log redaction: what is masked, what is refused, and that tracebacks are masked too."""

from __future__ import annotations

import io
import logging
import secrets

import pytest

from taimer_procountor.ledger.hashing import redact_json
from taimer_procountor.redaction import (
    MASK,
    MIN_SECRET_LENGTH,
    RedactingFormatter,
    get_logger,
    redact,
    register_secret,
)


def _fresh_secret() -> str:
    return "tok-" + secrets.token_hex(8)


@pytest.mark.parametrize("short", ["ledger", "abc", "x" * (MIN_SECRET_LENGTH - 1)])
def test_a_short_secret_is_refused_with_a_warning_that_names_no_value(
    short: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="taimer_procountor.redaction"):
        assert register_secret(short) is False
    text = f"could not read the {short} at {short}-db"
    assert redact(text) == text, "a refused secret must not mangle ordinary text"
    warnings = [r for r in caplog.records if r.name == "taimer_procountor.redaction"]
    assert warnings and "not registered" in warnings[-1].getMessage()
    assert short not in warnings[-1].getMessage()


@pytest.mark.parametrize("word", ["postgres", "PASSWORD", "Airflow", "changeme", "taimer_procountor_ledger"])
def test_a_common_word_is_refused_whatever_its_case(word: str) -> None:
    assert register_secret(word) is False
    text = f"the {word.lower()} connection of {word}"
    assert redact(text) == text


def test_a_real_secret_is_masked_everywhere_it_occurs() -> None:
    secret = _fresh_secret()
    assert register_secret(secret) is True
    assert redact(f"a {secret} b {secret}") == f"a {MASK} b {MASK}"


def test_redact_json_masks_values_but_never_keys() -> None:
    secret = _fresh_secret()
    register_secret(secret)
    value = {f"count_{secret}": [f"x {secret} y", {"nested": secret}], "plain": 3}
    out = redact_json(value)
    assert list(out) == [f"count_{secret}", "plain"], "keys are our own names and must stay as they are"
    assert out[f"count_{secret}"] == [f"x {MASK} y", {"nested": MASK}]
    assert out["plain"] == 3


def _capture(logger: logging.Logger, formatter: logging.Formatter | None = None) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or logging.Formatter("%(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return stream, handler


def test_log_exception_masks_a_secret_in_the_exception_text_and_traceback() -> None:
    """Outside Airflow, with a plain StreamHandler: the formatted traceback carries the exception's text."""
    secret = _fresh_secret()
    register_secret(secret)
    log = get_logger("taimer_procountor.tests.redaction_traceback")
    stream, handler = _capture(log)
    try:
        try:
            raise RuntimeError(f"login with {secret} failed")
        except RuntimeError:
            log.exception("the call failed")
        try:
            raise ValueError(secret)
        except ValueError:
            log.error("again", exc_info=True, stack_info=True)
    finally:
        log.removeHandler(handler)
    output = stream.getvalue()
    assert "Traceback (most recent call last)" in output and "RuntimeError: login with *** failed" in output
    assert "ValueError: ***" in output and "Stack (most recent call last)" in output
    assert secret not in output


def test_the_redacting_formatter_masks_records_of_loggers_without_the_filter() -> None:
    secret = _fresh_secret()
    register_secret(secret)
    plain = logging.getLogger("tests.redaction.plain_logger")  # no RedactingFilter attached
    plain.propagate = False
    stream, handler = _capture(plain, RedactingFormatter("%(message)s"))
    try:
        try:
            raise KeyError(secret)
        except KeyError:
            plain.exception("token %s refused", secret)
    finally:
        plain.removeHandler(handler)
    output = stream.getvalue()
    assert "token *** refused" in output and "KeyError: '***'" in output
    assert secret not in output
