"""Which documents a run selects: params, backfill runs, kinds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from taimer_procountor.outbound.extract import Selection
from taimer_procountor.outbound.steps import resolve_kinds, resolve_selection

TICK = datetime(2026, 3, 5, 0, 30, tzinfo=UTC)  # 02:30 in Helsinki


def test_no_params_is_the_nightly_selection_even_with_a_data_interval():
    selection = resolve_selection({}, run_type="scheduled", data_interval_end=TICK)
    assert selection.mode == "nightly" and selection == Selection()


def test_a_backfill_run_takes_the_day_before_its_scheduled_time():
    selection = resolve_selection({"numbers": [], "date_from": None}, run_type="backfill", data_interval_end=TICK)
    assert (selection.mode, selection.date_from, selection.date_to) == (
        "date_range",
        date(2026, 3, 4),
        date(2026, 3, 4),
    )


def test_the_task_sdks_run_type_enum_is_a_backfill_as_given():
    """The DAG passes ``dag_run.run_type`` as the Task SDK gives it: a str enum whose ``str()`` is its name
    (``DagRunType.BACKFILL``), not its value, so it is passed as is (the stack e2e runs a real backfill)."""
    from airflow.sdk.api.datamodels._generated import DagRunType

    assert str(DagRunType.BACKFILL) != "backfill"
    selection = resolve_selection({}, run_type=DagRunType.BACKFILL, data_interval_end=TICK)
    assert (selection.mode, selection.date_from) == ("date_range", date(2026, 3, 4))


def test_explicit_params_win_over_the_backfill_interval_and_numbers_over_dates():
    dated = resolve_selection({"date_from": "2025-01-01", "date_to": "2025-01-31"}, run_type="backfill")
    assert (dated.date_from, dated.date_to) == (date(2025, 1, 1), date(2025, 1, 31))
    numbered = resolve_selection({"numbers": [" 10001 ", "", 10002], "date_from": "2025-01-01"})
    assert numbered.mode == "numbers" and numbered.numbers == ("10001", "10002")
    assert Selection.from_json(numbered.to_json()) == numbered


def test_kinds_default_to_every_kind_and_unknown_kinds_are_refused():
    assert resolve_kinds({}) == ["sales_invoice", "bill", "travel_report", "expense_report"]
    assert resolve_kinds({"kinds": ["sales_invoice", "sales_invoice"]}) == ["sales_invoice"]
    with pytest.raises(ValueError, match="not supported"):
        resolve_kinds({"kinds": ["salary"]})
