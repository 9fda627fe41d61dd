"""What every DAG of the integration shares: its timezone, first start date and task defaults (two retries with
exponential backoff from ``RETRY_DELAY_SECONDS``, at most 5 min apart). Cheap to import (no Airflow, no I/O), so DAG
files use it at parse time.

``TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS`` (read when the DAG file is parsed, default 30) changes the first delay;
the tests set it low to exercise Airflow's own retries quickly.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

TIMEZONE = "Europe/Helsinki"
RETRY_DELAY_SECONDS = float(os.environ.get("TAIMER_PROCOUNTOR_RETRY_DELAY_SECONDS") or 30)


def default_args(*, execution_timeout: timedelta) -> dict[str, Any]:
    return {
        "owner": "data-engineering",
        "retries": 2,
        "retry_delay": timedelta(seconds=RETRY_DELAY_SECONDS),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=5),
        "execution_timeout": execution_timeout,
    }
