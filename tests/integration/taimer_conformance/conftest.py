"""Fixtures of the Taimer adapter conformance suite (docs/taimer-adapter.md, "Writing another implementation").

The tests in this folder use only the ``TaimerAdapter`` Protocol's methods on adapters made by ``adapter_factory``,
plus a *backend* for setting up and inspecting Taimer's state. A backend is any object with:

- ``adapter() -> TaimerAdapter``: a new adapter instance on that Taimer (called once per test, and several times by
  the concurrency test);
- ``load(dataset: TaimerDataset) -> None``: make Taimer hold exactly this installation (the default dataset, or a
  variation of it), attachment blobs included;
- ``state() -> TaimerDataset``: the whole installation as it is now (``attachment_blobs`` may be left empty);
- ``edit_document(kind: DocumentKind, document_id: str, fields: dict) -> None``: what a user editing the document
  in Taimer does: merge top-level fields and move ``updated_at`` to now;
- ``close() -> None``: release whatever it started.

Which backend runs:

- ``TAIMER_CONFORMANCE_BACKEND`` set: ``package.module:factory`` or ``path/to/file.py:factory``; ``factory()`` returns
  the backend. Only that one runs.
- unset: both built-in backends, as test parameters: ``rest-sandbox`` (``TaimerRestAdapter`` against the Taimer
  sandbox on loopback; setup and inspection through the sandbox's control API) and ``in-memory-store`` (an example
  second implementation over the sandbox's store, no HTTP; ``store_backend.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests

from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer import TaimerSandboxSettings, create_app
from sandboxes.taimer.datasets import TaimerDataset, default_dataset
from taimer_procountor.http import RetryPolicy, Timeouts
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.models import DocumentKind
from taimer_procountor.taimer.rest import TaimerRestAdapter

ENV_VAR = "TAIMER_CONFORMANCE_BACKEND"
HERE = Path(__file__).resolve().parent
CONFORMANCE_KEY = "tmr-conformance-key-5d81c0a7"


class TaimerBackend(Protocol):
    def adapter(self) -> TaimerAdapter: ...
    def load(self, dataset: TaimerDataset) -> None: ...
    def state(self) -> TaimerDataset: ...
    def edit_document(self, kind: DocumentKind, document_id: str, fields: dict[str, Any]) -> None: ...
    def close(self) -> None: ...


class SandboxRestBackend:
    """``TaimerRestAdapter`` against the Taimer sandbox; setup and inspection through ``/_control``."""

    def __init__(self) -> None:
        self.server: RunningServer = serve_in_thread(create_app(TaimerSandboxSettings(api_key=CONFORMANCE_KEY)))
        self._control = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._control.request(method, f"{self.server.base_url}/_control{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def adapter(self) -> TaimerAdapter:
        return TaimerRestAdapter(
            requests.Session(),
            self.server.base_url + "/api/v1",
            CONFORMANCE_KEY,
            rate_per_second=None,
            timeouts=Timeouts(connect=2, read=10),
            retry=RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05, jitter=0.0),
        )

    def load(self, dataset: TaimerDataset) -> None:
        self._call("POST", "/fixture", json=dataset.model_dump(mode="json"))

    def state(self) -> TaimerDataset:
        return TaimerDataset.model_validate(self._call("GET", "/state"))

    def edit_document(self, kind: DocumentKind, document_id: str, fields: dict[str, Any]) -> None:
        self._call("PATCH", f"/documents/{kind.value}/{document_id}", json=fields)

    def close(self) -> None:
        self._control.close()
        self.server.stop()


def _load_factory(spec: str) -> Callable[[], TaimerBackend]:
    """``package.module:attr`` or ``path/to/file.py:attr``."""
    target, _, attr = spec.rpartition(":")
    if not target or not attr:
        raise pytest.UsageError(f"{ENV_VAR}={spec!r}: expected 'package.module:factory' or 'file.py:factory'")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_absolute():
            path = Path.cwd() / path
        module_spec = importlib.util.spec_from_file_location(f"taimer_conformance_backend_{path.stem}", path)
        if module_spec is None or module_spec.loader is None:
            raise pytest.UsageError(f"{ENV_VAR}: cannot load {path}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(target)
    return getattr(module, attr)


def _builtin(name: str) -> Callable[[], TaimerBackend]:
    if name == "rest-sandbox":
        return SandboxRestBackend
    return _load_factory(f"{HERE / 'store_backend.py'}:make_backend")


_CUSTOM = os.environ.get(ENV_VAR)


@pytest.fixture(scope="session", params=["custom"] if _CUSTOM else ["rest-sandbox", "in-memory-store"])
def taimer_backend(request: pytest.FixtureRequest) -> Iterator[TaimerBackend]:
    factory = _load_factory(_CUSTOM) if _CUSTOM else _builtin(request.param)
    backend = factory()
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def adapter_factory(taimer_backend: TaimerBackend) -> Callable[[], TaimerAdapter]:
    """Loads the default installation (a fresh start for every test), then hands out the backend's adapter maker."""
    taimer_backend.load(default_dataset())
    return taimer_backend.adapter


@pytest.fixture
def taimer(adapter_factory: Callable[[], TaimerAdapter]) -> TaimerAdapter:
    return adapter_factory()
