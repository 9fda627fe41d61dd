"""The states of a run's other tasks, read by a report task: which step failed and which never ran because of it.

Airflow's Task SDK answers ``RuntimeTaskInstance.get_task_states`` with ``{run_id: {task_key: state}}``, where a
mapped task instance's key is ``<task_id>_<map_index>`` and a mapped task that never expanded (its upstream failed)
is one key ``<task_id>``. ``step_states`` turns those keys into the step names the flows record failures under
(``push_reference[accounts]`` …).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def step_states(dag_id: str, run_id: str, *, mapped: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """In a task: step name -> Airflow state of every task instance of this run. ``mapped``: a mapped task's id ->
    the step name of each map index, in order."""
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    answer = RuntimeTaskInstance.get_task_states(dag_id=dag_id, run_ids=[run_id]) or {}
    raw: Mapping[str, Any] = answer.get(run_id) or {}
    return translate_keys(raw, mapped or {})


def translate_keys(raw: Mapping[str, Any], mapped: Mapping[str, Sequence[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, state in raw.items():
        if state is None:
            continue
        state = str(state)
        if key in mapped:  # never expanded: every step of it shares the state
            out.update(dict.fromkeys(mapped[key], state))
            continue
        task_id, _, index = key.rpartition("_")
        if task_id in mapped and index.isdigit() and int(index) < len(mapped[task_id]):
            out[mapped[task_id][int(index)]] = state
        else:
            out[key] = state
    return out
