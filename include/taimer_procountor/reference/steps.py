"""Why a step failed, recorded before the task re-raises: so the run report, the ledger's run record and the UI page
show the real catalogue code (``PROCOUNTOR_UNAUTHORIZED``, ``TAIMER_SERVER_ERROR``, ...) without anyone opening a log.

    with recording_failures(ledger_factory, dag_id, run_id, "fetch_snapshot", try_number=ti.try_number):
        ...

Our typed errors are ``CodedError`` s (a catalogue code); their text is kept, redacted and cut to 300 characters. Any
other exception becomes ``REFERENCE_STEP_FAILED`` with the exception's type only: its text could quote data (a
pydantic error quotes the input), so it stays in the task log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from taimer_procountor.errors import CodedError
from taimer_procountor.redaction import get_logger, redact
from taimer_procountor.reference.kinds import FLOW

if TYPE_CHECKING:
    from taimer_procountor.ledger import Ledger

log = get_logger(__name__)

STEP_FAILED = "REFERENCE_STEP_FAILED"
MAX_DETAIL = 300


def describe_failure(exc: BaseException, *, fallback_code: str = STEP_FAILED) -> tuple[str, str]:
    """``(code, detail)`` for the run report: the typed error's own code and redacted text, else the flow's
    generic code (``fallback_code``) with the exception's type."""
    if isinstance(exc, CodedError):
        text = redact(str(exc)).strip() or type(exc).__name__
        return exc.code, text[:MAX_DETAIL]
    return fallback_code, f"{type(exc).__name__} (the task's log has the traceback)"


@contextmanager
def recording_failures(
    ledger: Callable[[], Ledger],
    dag_id: str,
    run_id: str,
    where: str,
    *,
    try_number: int | None = None,
    flow: str = FLOW,
    fallback_code: str = STEP_FAILED,
) -> Iterator[None]:
    """Run the block; if it raises, record ``describe_failure`` in the run record's ``step_errors`` and re-raise.
    ``ledger`` is a factory, called only on failure (the ledger itself may be what failed: then only a warning)."""
    try:
        yield
    except Exception as exc:
        code, detail = describe_failure(exc, fallback_code=fallback_code)
        try:
            ledger().runs.record_step_error(dag_id, run_id, flow, where, code, detail, try_number=try_number)
        except Exception as record_exc:  # the original error matters more than this one
            log.warning("could not record %s's failure (%s) in the ledger: %s", where, code, type(record_exc).__name__)
        raise
