"""``[core] hostname_callable`` of the native stack: each Celery worker names itself (``TP_STACK_HOSTNAME``), so
task instances show which of the workers on this one machine ran them; every other process keeps Airflow's FQDN.

A task's log is read from the shared log folder (one machine), so the name needs no DNS entry.
"""

from __future__ import annotations

import os
import socket

HOSTNAME_ENV = "TP_STACK_HOSTNAME"


def stack_hostname() -> str:
    return os.environ.get(HOSTNAME_ENV) or socket.getfqdn()
