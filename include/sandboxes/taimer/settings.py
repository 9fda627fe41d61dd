"""Settings of the Taimer sandbox, from arguments or the environment.

| env var | default | meaning |
|---|---|---|
| ``TAIMER_SANDBOX_API_KEY`` | ``taimer-sandbox-key`` | the key clients send in ``X-API-Key`` |
| ``TAIMER_SANDBOX_FIXTURE`` | (unset: ``datasets.default_dataset()``) | ``TaimerDataset`` JSON file to start with |
| ``TAIMER_SANDBOX_MAX_PAGE_SIZE`` | ``500`` | the largest ``limit`` a listing accepts |
| ``TAIMER_SANDBOX_TIMEOUT_FAULT_SECONDS`` | ``5`` | how long ``timeout_after_commit`` holds an answer by default |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sandboxes.taimer.datasets import TaimerDataset
from taimer_procountor.taimer.contract import MAX_PAGE_SIZE

DEFAULT_API_KEY = "taimer-sandbox-key"  # a documented sandbox default, not a real secret


def _env_api_key() -> str:
    return os.environ.get("TAIMER_SANDBOX_API_KEY") or DEFAULT_API_KEY


def _env_fixture() -> str | None:
    return os.environ.get("TAIMER_SANDBOX_FIXTURE") or None


def _env_max_page() -> int:
    return int(os.environ.get("TAIMER_SANDBOX_MAX_PAGE_SIZE") or MAX_PAGE_SIZE)


def _env_timeout_fault() -> float:
    return float(os.environ.get("TAIMER_SANDBOX_TIMEOUT_FAULT_SECONDS") or 5.0)


@dataclass
class TaimerSandboxSettings:
    api_key: str = field(default_factory=_env_api_key)
    dataset: TaimerDataset | None = None  # wins over fixture_path
    fixture_path: str | None = field(default_factory=_env_fixture)
    max_page_size: int = field(default_factory=_env_max_page)
    request_log_size: int = 5000
    timeout_fault_seconds: float = field(default_factory=_env_timeout_fault)

    def initial_dataset(self) -> TaimerDataset:
        if self.dataset is not None:
            return self.dataset
        if self.fixture_path:
            return TaimerDataset.model_validate_json(Path(self.fixture_path).read_text(encoding="utf-8"))
        from sandboxes.taimer.datasets import default_dataset

        return default_dataset()
