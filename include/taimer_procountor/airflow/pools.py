"""The Airflow pool every task that calls Procountor runs in, so all DAGs together stay within one API budget.
Every place that runs Airflow creates it: the native stack (``python -m sandboxes.stack``) and compose's
``airflow-init``."""

from __future__ import annotations

PROCOUNTOR_POOL = "procountor_api"
