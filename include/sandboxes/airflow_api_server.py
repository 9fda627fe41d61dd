"""A real ``airflow api-server`` in a child process on loopback, for tests that need Airflow's own UI and REST API.

    with airflow_api_server(env, port=port, log_path=tmp / "api-server.log", base_url=f"http://127.0.0.1:{port}"):
        ...

The child gets its own process group, so stopping it (SIGTERM, then SIGKILL after 20 s) also stops the workers the
api-server forks.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sandboxes.runner import LOOPBACK, wait_until_up


@contextmanager
def airflow_api_server(
    env: Mapping[str, str],
    *,
    airflow: Path,
    port: int,
    log_path: Path,
    base_url: str,
    timeout: float = 120,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``airflow api-server`` (the ``airflow`` executable at ``airflow``) with ``env`` on ``port`` until the
    block ends. ``base_url``: where it answers (``[api] base_url`` when that is set), waited for at
    ``/api/v2/monitor/health``."""
    with log_path.open("w") as log:
        proc = subprocess.Popen(  # noqa: S603 - Airflow's own command, fixed argv
            [str(airflow), "api-server", "--port", str(port), "--host", LOOPBACK],
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until_up(base_url.rstrip("/") + "/api/v2/monitor/health", timeout=timeout)
            yield proc
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def simple_auth_password(airflow_home: Path, user: str = "admin") -> str:
    """The password the simple auth manager generated for ``user`` when the api-server started."""
    return json.loads((airflow_home / "simple_auth_manager_passwords.json.generated").read_text())[user]
