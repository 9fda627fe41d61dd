"""Fixtures of the outbound library tests against a real Procountor sandbox on loopback: one sandbox per module,
a logged-in ``ProcountorClient``, and ``seeded_context``, which loads a seed's Procountor company into the sandbox,
runs the reference fetch through the client into a SQLite ledger and builds the run's ``OutboundContext`` from the
ledger the way the DAG does (``build_context``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from sandboxes.procountor.app import create_app
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.seed.generator import SeedResult
from taimer_procountor.http import RetryPolicy
from taimer_procountor.ledger import connect, migrate
from taimer_procountor.outbound.context import OutboundContext, build_context
from taimer_procountor.procountor import ProcountorClient, ProcountorSettings
from taimer_procountor.reference.extract import fetch_snapshot
from taimer_procountor.reference.load import store_snapshot


@pytest.fixture(scope="module")
def procountor() -> Iterator[RunningServer]:
    with serve_in_thread(create_app(ProcountorSandboxSettings(rate_per_second=0))) as server:
        yield server


@pytest.fixture(scope="module")
def client(procountor: RunningServer) -> Iterator[ProcountorClient]:
    settings = ProcountorSettings(
        base_url=procountor.base_url + "/api",
        client_id="sandbox-client",
        client_secret="sandbox-secret",
        api_key="sandbox-api-key",
        rate_per_second=500,
    )
    with ProcountorClient(settings, retry=RetryPolicy(max_attempts=2, initial_backoff=0.01, jitter=0)) as c:
        yield c


def load_fixture(procountor: RunningServer, seed: SeedResult) -> None:
    r = requests.post(
        procountor.base_url + "/_control/fixture",
        data=seed.procountor_json(),
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert r.status_code == 200, r.text[:500]


@pytest.fixture(scope="module")
def seeded_context(
    procountor: RunningServer, client: ProcountorClient, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[SeedResult], OutboundContext]:
    def build(seed: SeedResult) -> OutboundContext:
        load_fixture(procountor, seed)
        url = f"sqlite:///{tmp_path_factory.mktemp('ledger') / 'ledger.sqlite'}"
        migrate(url)
        ledger = connect(url)
        try:
            store_snapshot(ledger, fetch_snapshot(client, person_details=False))
            return build_context(
                ledger,
                seed.taimer.company,
                taimer_products=seed.taimer.products,
                work_types=seed.taimer.work_types,
                users=seed.taimer.users,
            )
        finally:
            ledger.engine.dispose()

    return build


def request_log(procountor: RunningServer, **params: Any) -> list[dict[str, Any]]:
    r = requests.get(procountor.base_url + "/_control/requests", params=params, timeout=10)
    r.raise_for_status()
    return r.json()
