"""The Airflow pool every task that calls Procountor runs in, so all DAGs together stay within one API budget.

The client's rate limiter keeps one process under its rate; the pool bounds how many such processes (task instances
of any DAG) talk to Procountor at once. So the budget is divided, not copied: a task that takes ``k`` of the pool's
``S`` slots gets ``k / S`` of the connection's ``rate_per_second`` (``ProcountorHook`` builds its client's limiter
with ``task_rate``), rounded down to whole requests per second. Whatever runs at once, the slots in use add up to at
most ``S`` and their rates to at most the connection's rate: 4 slots at 20/s give each one-slot task 5/s; a task
with ``pool_slots=PROCOUNTOR_POOL_SLOTS`` gets the whole 20/s and runs alone.

``S`` is ``PROCOUNTOR_POOL_SLOTS`` (4), or the environment variable ``TAIMER_PROCOUNTOR_POOL_SLOTS`` where it is
set; the pool's size in Airflow must be the same number, so the places that create the pool (compose's
``airflow-init``, the ``dag.test()`` runner and so the demo) read it from there too. Pick a divisor of the rate
(1, 2, 4, 5, 10 or 20 at 20/s): otherwise rounding down leaves part of the budget unused.

This module is imported by DAG files at parse time: it imports nothing from Airflow at the top.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

PROCOUNTOR_POOL = "procountor_api"
PROCOUNTOR_POOL_SLOTS = 4
PROCOUNTOR_POOL_DESCRIPTION = "Tasks that call the Procountor API (one shared request budget across DAGs)"
POOL_SLOTS_ENV = "TAIMER_PROCOUNTOR_POOL_SLOTS"


def pool_slots(env: Mapping[str, str] | None = None) -> int:
    """The pool's size: ``TAIMER_PROCOUNTOR_POOL_SLOTS`` when set, else ``PROCOUNTOR_POOL_SLOTS``."""
    raw = (os.environ if env is None else env).get(POOL_SLOTS_ENV, "").strip()
    if not raw:
        return PROCOUNTOR_POOL_SLOTS
    try:
        slots = int(raw)
    except ValueError:
        slots = 0
    if slots < 1:
        raise ValueError(f"{POOL_SLOTS_ENV} must be a whole number of at least 1, got {raw!r}")
    return slots


def task_rate(total_rate: float, *, task_slots: int = 1, slots: int | None = None) -> float:
    """One task's share of ``total_rate``: ``total_rate * task_slots / slots``, rounded down to whole requests per
    second. The limiter allows ``floor(rate)`` requests in any second, so shares rounded down never add up to more
    than the total. A share under one request per second is refused: Procountor counts per second, and two such
    tasks could each send one request in the same second."""
    slots = pool_slots() if slots is None else slots
    if total_rate <= 0 or slots < 1 or task_slots < 1:
        raise ValueError(f"need a positive rate and slot counts, got {total_rate!r}, {task_slots!r}/{slots!r}")
    share = math.floor(total_rate * min(task_slots, slots) / slots)
    if share < 1:
        raise ValueError(
            f"rate_per_second {total_rate:g} shared by {slots} pool slots leaves a task under one request per "
            f"second; make the pool smaller ({POOL_SLOTS_ENV}) or the rate larger"
        )
    return float(share)


def current_task_slots() -> int:
    """How many of the pool's slots the running Airflow task holds (1 outside a task, or for a task outside the
    pool: the DAG integrity test keeps every Procountor-calling task inside it)."""
    try:
        from airflow.sdk import get_current_context

        task = get_current_context()["ti"].task
    except (ImportError, RuntimeError, KeyError, AttributeError):
        return 1
    if getattr(task, "pool", None) != PROCOUNTOR_POOL:
        return 1
    return max(int(getattr(task, "pool_slots", 1) or 1), 1)


def ensure_pool(slots: int | None = None) -> None:
    """Create (or resize) the pool in Airflow's metadata DB; for processes that have one (the ``dag.test()``
    runner). Compose's ``airflow-init`` does the same with ``airflow pools set``."""
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    with create_session() as session:
        Pool.create_or_update_pool(
            PROCOUNTOR_POOL,
            slots=pool_slots() if slots is None else slots,
            description=PROCOUNTOR_POOL_DESCRIPTION,
            include_deferred=False,
            session=session,
        )
