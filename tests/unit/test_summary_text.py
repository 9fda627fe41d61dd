"""What a person reads about a run: the DAG run's note, the log level, and the fix of a step that failed."""

from __future__ import annotations

import logging

from taimer_procountor.errors import lookup
from taimer_procountor.summary import FlowSummary, KindCounts, Outcome, Problem, StepFailure
from taimer_procountor.summary_text import NOTE_MAX_CHARS, fix_text, log_level, note_markdown

URL = "/airflow/taimer-procountor/?lang=en#run-d-r"


def _summary(**overrides: object) -> FlowSummary:
    base: dict[str, object] = {
        "flow": "reference_sync",
        "dag_id": "d",
        "run_id": "r",
        "outcome": Outcome.PARTIAL,
        "kinds": (KindCounts("Taimer accounts", {"extracted": 4, "created": 4}),),
        "errors": (Problem("REFERENCE_BANK_ACCOUNT_MISMATCH", "bank_accounts", detail="FI74 **** 4677"),),
    }
    base.update(overrides)
    return FlowSummary(**base)  # type: ignore[arg-type]


def test_partial_note_starts_with_its_mark_link_and_headline() -> None:
    note = note_markdown(_summary(), report_url=URL)
    first = note.splitlines()[0]
    assert first.startswith("⚠️ [Taimer ⇄ Procountor report](/airflow/taimer-procountor/?lang=en#run-d-r) · **")
    assert "reference_sync: PARTIAL; extracted 4, created 4; 1 error(s), first REFERENCE_BANK_ACCOUNT_MISMATCH" in first
    assert "- `REFERENCE_BANK_ACCOUNT_MISMATCH` [bank_accounts] FI74 **** 4677" in note
    assert log_level(_summary()) == logging.WARNING and log_level(_summary(outcome=Outcome.SUCCESS, errors=())) == (
        logging.INFO
    )


def test_failed_note_names_the_root_cause_and_what_did_not_run() -> None:
    failed = _summary(
        outcome=Outcome.FAILED,
        errors=(),
        kinds=(),
        failed_steps=(StepFailure("fetch_snapshot", "PROCOUNTOR_SERVER_ERROR", "HTTP 503", attempts=3),),
        did_not_run=("check_bank_accounts", "push_reference[accounts]"),
    )
    note = note_markdown(failed, report_url=URL)
    assert note.startswith("❌ [Taimer ⇄ Procountor report]")
    lines = note.splitlines()
    assert lines[2] == "- Root cause: task `fetch_snapshot` failed after 3 attempts: `PROCOUNTOR_SERVER_ERROR` HTTP 503"
    assert lines[3] == "- Did not run (upstream failed): `check_bank_accounts`, `push_reference[accounts]`"


def test_a_long_note_fits_airflows_note_column_and_keeps_its_first_line() -> None:
    many = tuple(Problem("REFERENCE_ITEM_INVALID", f"products:{n}", detail="x" * 200) for n in range(40))
    note = note_markdown(_summary(errors=many), report_url=URL)
    assert len(note) <= NOTE_MAX_CHARS and note.startswith("⚠️ [Taimer ⇄ Procountor report](")
    assert "… and 37 more error(s)" in note or note.endswith(" …")


def test_a_transient_code_that_failed_a_step_never_says_nothing_to_do() -> None:
    entry = lookup("PROCOUNTOR_SERVER_ERROR")
    assert entry.fix_en.startswith("Nothing to do")  # right while the run is still retrying ...
    for lang in ("en", "fi"):
        assert fix_text(entry, lang, failed_step=False) == getattr(entry, f"fix_{lang}")
        failed = fix_text(entry, lang, failed_step=True)  # ... wrong once it failed the run
        assert "Nothing to do" not in failed and "ei tarvita" not in failed
    assert "clear the failed task" in fix_text(entry, "en", failed_step=True)
    mismatch = lookup("REFERENCE_BANK_ACCOUNT_MISMATCH")  # not transient: its own fix stands
    assert fix_text(mismatch, "en", failed_step=True) == mismatch.fix_en
