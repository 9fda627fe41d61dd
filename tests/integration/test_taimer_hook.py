"""TaimerHook built from ``AIRFLOW_CONN_TAIMER_DEFAULT`` (JSON form) against the Taimer sandbox over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from sandboxes.runner import RunningServer, serve_in_thread
from sandboxes.taimer import TaimerSandboxSettings, create_app
from taimer_procountor.taimer.adapter import TaimerAdapter
from taimer_procountor.taimer.errors import TaimerAuthError
from taimer_procountor.taimer.models import DocumentKind

API_KEY = "tmr-hook-key-51c0de9a77"


@pytest.fixture(scope="module")
def hook_sandbox() -> Iterator[RunningServer]:
    with serve_in_thread(create_app(TaimerSandboxSettings(api_key=API_KEY))) as server:
        yield server


def _conn(host: str, password: str, **extra_top) -> str:
    return json.dumps(
        {
            "conn_type": "http",
            "host": host,
            "password": password,
            "extra": {"rate_per_second": 50, "connect_timeout": 2, "read_timeout": 5, "page_size": 2},
            **extra_top,
        }
    )


def test_taimer_hook_from_env_connection(hook_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from taimer_procountor.airflow.taimer_hook import TaimerHook

    monkeypatch.setenv("AIRFLOW_CONN_TAIMER_DEFAULT", _conn(hook_sandbox.base_url + "/api/v1", API_KEY))
    hook = TaimerHook()
    adapter = hook.get_adapter()

    assert isinstance(adapter, TaimerAdapter)
    assert adapter.get_company_settings().name == "Esimerkki Oy"
    assert [s.id for s in adapter.iter_ready(DocumentKind.SALES_INVOICE)] == ["si-1", "si-2"]
    assert adapter.page_size == 2
    assert adapter.transport.timeouts.read == 5
    assert adapter.transport.limiter is not None and adapter.transport.limiter.rate_per_second == 50
    session = adapter.transport.session
    assert "rate_per_second" not in session.headers  # our extras are not sent as headers
    assert session.auth is None  # the key never goes out as basic auth
    assert API_KEY not in repr(adapter)
    assert len(list(adapter.iter_users())) == 3  # page_size 2 from the extras: two pages


def test_taimer_hook_host_and_port_without_path(hook_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from taimer_procountor.airflow.taimer_hook import TaimerHook

    monkeypatch.setenv("AIRFLOW_CONN_TAIMER_DEFAULT", _conn("127.0.0.1", API_KEY, port=hook_sandbox.port))
    adapter = TaimerHook().get_adapter()
    assert adapter.transport.base_url.endswith(f":{hook_sandbox.port}/api/v1")
    assert adapter.get_customer("c-2").name == "Pikkufirma Tmi"


def test_taimer_hook_wrong_password_is_auth_error(hook_sandbox: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from taimer_procountor.airflow.taimer_hook import TaimerHook

    wrong = "tmr-hook-wrong-3e8f11"
    monkeypatch.setenv("AIRFLOW_CONN_TAIMER_DEFAULT", _conn(hook_sandbox.base_url + "/api/v1", wrong))
    with pytest.raises(TaimerAuthError) as info:
        TaimerHook().get_adapter().get_company_settings()
    assert wrong not in str(info.value)
    assert "taimer" in str(info.value).lower()
