"""The Procountor pool's budget arithmetic: each task's share of the connection's rate (``airflow/pools.py``)."""

from __future__ import annotations

import pytest

from taimer_procountor.airflow.pools import (
    POOL_SLOTS_ENV,
    PROCOUNTOR_POOL_SLOTS,
    current_task_slots,
    pool_slots,
    task_rate,
)
from taimer_procountor.http import RateLimiter


def test_pool_slots_default_and_environment():
    assert pool_slots({}) == PROCOUNTOR_POOL_SLOTS == 4
    assert pool_slots({POOL_SLOTS_ENV: " 5 "}) == 5
    for bad in ("0", "-2", "four", "2.5"):
        with pytest.raises(ValueError, match=POOL_SLOTS_ENV):
            pool_slots({POOL_SLOTS_ENV: bad})


def test_task_rate_divides_the_rate_by_the_slots_a_task_holds():
    assert task_rate(20, slots=4) == 5
    assert task_rate(20, task_slots=2, slots=4) == 10
    assert task_rate(20, task_slots=4, slots=4) == 20
    assert task_rate(20, task_slots=9, slots=4) == 20  # never more than the whole budget
    assert task_rate(20, slots=3) == 6  # rounded down: 3 x 6 = 18 of 20 (a divisor of the rate wastes nothing)
    assert task_rate(20, slots=1) == 20


def partitions(n: int, largest: int | None = None):
    """Every multiset of positive whole numbers that adds up to exactly ``n``."""
    largest = n if largest is None else largest
    if n == 0:
        yield ()
        return
    for first in range(min(n, largest), 0, -1):
        for rest in partitions(n - first, first):
            yield (first, *rest)


@pytest.mark.parametrize("slots", [1, 2, 3, 4, 5, 7, 10, 20])
def test_tasks_that_run_at_once_never_add_up_to_more_than_the_rate(slots):
    """Whatever mix of tasks the pool lets run at once (their slots add up to at most ``slots``), the requests their
    limiters allow in any second add up to at most the connection's rate."""
    total = 20
    mixes = [held for used in range(1, slots + 1) for held in partitions(used)]
    for held in mixes:
        allowed = sum(RateLimiter(task_rate(total, task_slots=k, slots=slots)).capacity for k in held)
        assert allowed <= total, (slots, held)
    # A pool full of one-slot tasks uses the whole budget when the slots divide the rate.
    if total % slots == 0:
        assert sum(RateLimiter(task_rate(total, slots=slots)).capacity for _ in range(slots)) == total


def test_a_share_under_one_request_per_second_is_refused():
    with pytest.raises(ValueError, match="under one request per second"):
        task_rate(3, slots=4)
    with pytest.raises(ValueError):
        task_rate(0, slots=4)


def test_outside_an_airflow_task_a_client_holds_one_slot():
    assert current_task_slots() == 1
