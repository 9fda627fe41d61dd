"""Fixtures of the integration tests that need both sandboxes at once (the inbound flows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from sandboxes.demo import program as demo
from sandboxes.procountor.app import create_app as procountor_app
from sandboxes.procountor.events import ProcountorEvents
from sandboxes.procountor.settings import ProcountorSandboxSettings
from sandboxes.runner import serve_in_thread
from sandboxes.taimer.app import create_app as taimer_app
from sandboxes.taimer.datasets import default_dataset
from sandboxes.taimer.settings import TaimerSandboxSettings
from taimer_procountor.procountor.client import ProcountorClient
from taimer_procountor.procountor.settings import ProcountorSettings
from taimer_procountor.taimer.rest import TaimerRestAdapter


@dataclass(frozen=True)
class InboundSandboxes:
    """Both sandboxes on loopback, the real clients on them, and the Procountor event helper."""

    procountor_url: str
    taimer_url: str
    client: ProcountorClient
    taimer: TaimerRestAdapter
    events: ProcountorEvents


@pytest.fixture
def inbound_sandboxes() -> Iterator[InboundSandboxes]:
    """The demo Taimer installation without its inbound bills, an empty Procountor company."""
    dataset = default_dataset()
    dataset.bills = [b for b in dataset.bills if b.procountor_id is None]
    client_id, secret, api_key = demo.PROCOUNTOR_CLIENT
    with (
        serve_in_thread(procountor_app(ProcountorSandboxSettings())) as pc,
        serve_in_thread(taimer_app(TaimerSandboxSettings(api_key=demo.TAIMER_API_KEY, dataset=dataset))) as tm,
        ProcountorClient(ProcountorSettings(f"{pc.base_url}/api", client_id, secret, api_key)) as client,
    ):
        taimer = TaimerRestAdapter(requests.Session(), f"{tm.base_url}/api/v1", demo.TAIMER_API_KEY)
        yield InboundSandboxes(pc.base_url, tm.base_url, client, taimer, ProcountorEvents(pc.base_url))
