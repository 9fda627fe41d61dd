"""The Airflow pool every task that calls Procountor runs in, so all DAGs together stay within one API budget.

The client's rate limiter keeps one process under the rate; the pool bounds how many such processes (task instances
of any DAG) talk to Procountor at once. Compose, the demo and the test runner create it (``airflow pools set``).
"""

from __future__ import annotations

PROCOUNTOR_POOL = "procountor_api"
PROCOUNTOR_POOL_SLOTS = 4
PROCOUNTOR_POOL_DESCRIPTION = "Tasks that call the Procountor API (one shared request budget across DAGs)"
