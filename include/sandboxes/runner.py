"""Start a sandbox ASGI app on loopback, in a thread or in a child process.

Tests, the demo and the benchmarks all start sandboxes through here, so there is one way to get a real HTTP server on
127.0.0.1 with a free port and to stop it cleanly.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
import uvicorn

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, timeout: float = 20.0) -> None:
    """Poll ``url`` until it answers anything at all (any HTTP status), or raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1.0)
            return
        except requests.RequestException as exc:  # not listening yet
            last = exc
            time.sleep(0.05)
    raise TimeoutError(f"server at {url} did not come up within {timeout:.0f} s: {last}")


@dataclass
class RunningServer:
    """A sandbox listening on loopback. ``base_url`` has no trailing slash."""

    base_url: str
    port: int
    _stop: Any = field(repr=False)

    def stop(self) -> None:
        self._stop()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_in_thread(app: Any, port: int | None = None, health_path: str = "/_control/health") -> RunningServer:
    """Serve ``app`` with uvicorn in a daemon thread of this process."""
    port = port or free_port()
    config = uvicorn.Config(app, host=LOOPBACK, port=port, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://{LOOPBACK}:{port}"
    wait_until_up(base_url + health_path)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return RunningServer(base_url=base_url, port=port, _stop=stop)


def serve_in_process(
    module: str, args: Sequence[str] = (), port: int | None = None, health_path: str = "/_control/health"
) -> RunningServer:
    """Run ``python -m module --port N *args`` as a child process (for tests that need a separate process)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", module, "--host", LOOPBACK, "--port", str(port), *args]
    proc = subprocess.Popen(cmd, env=os.environ.copy())  # noqa: S603 - our own module, fixed argv
    base_url = f"http://{LOOPBACK}:{port}"
    try:
        wait_until_up(base_url + health_path)
    except TimeoutError:
        proc.kill()
        raise

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()

    return RunningServer(base_url=base_url, port=port, _stop=stop)
