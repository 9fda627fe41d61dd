"""Secrets a hook learns go to our own masker (``taimer_procountor.redaction``) and to Airflow's.

Ours masks what this package logs and raises; Airflow's masker covers the task logs Airflow writes itself. Every hook
and connection helper that reads a secret from an Airflow connection calls ``mask_in_airflow`` with it.
"""

from __future__ import annotations

from taimer_procountor.redaction import get_logger, register_secrets

log = get_logger(__name__)


def mask_in_airflow(*secrets: str | None) -> None:
    """Register ``secrets`` with ``redaction`` and hand them to Airflow's masker (the Task SDK's ``mask_secret``).
    Outside a task Airflow's masker may not be set up; ours still masks."""
    register_secrets(secrets)
    try:
        from airflow.sdk.log import mask_secret
    except ImportError:  # pragma: no cover - Airflow is not installed (the library used on its own)
        return
    for secret in secrets:
        if not secret:
            continue
        try:
            mask_secret(secret)
        except Exception:  # pragma: no cover - the masker is not set up in this process
            log.debug("Airflow's secrets masker is not available here")
            return
