"""The Airflow plugin plugins/taimer_procountor_ui.py as Airflow 3.3's plugins manager loads it, in a fresh process
with its own AIRFLOW_HOME: it loads without errors, exposes the FastAPI app and the navigation view, and importing it
pulls in neither the ledger (SQLAlchemy ORM models) nor pandas nor Great Expectations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"

PROBE = r"""
import json, sys
from airflow import plugins_manager

plugins, errors = plugins_manager._get_plugins()
apps, _middlewares = plugins_manager.get_fastapi_plugins()
views, _react = plugins_manager._get_ui_plugins()
info = plugins_manager.get_plugin_info()
ours = [a for a in apps if a.get("url_prefix") == "/taimer-procountor"]
app = ours[0]["app"] if ours else None
print(json.dumps({
    "plugins": [p.name for p in plugins],
    "errors": errors,
    "apps": [{"url_prefix": a["url_prefix"], "name": a["name"], "type": type(a["app"]).__name__} for a in apps],
    "routes": sorted(r.path for r in app.routes) if app else [],
    "views": views,
    "info_names": [i["name"] for i in info],
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "great_expectations")
                      or m.startswith(("taimer_procountor.ledger", "taimer_procountor.airflow"))),
}))
"""


def test_airflow_loads_the_plugin_with_its_app_and_nav_view(tmp_path):
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path / "dags"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["errors"] == {}
    assert "taimer_procountor_ui" in out["plugins"] and "taimer_procountor_ui" in out["info_names"]
    assert {"url_prefix": "/taimer-procountor", "name": "Taimer ⇄ Procountor", "type": "FastAPI"} in out["apps"]
    assert {"/", "/catalogue", "/api/runs", "/api/reference", "/api/outbound", "/api/catalogue", "/health"} <= set(
        out["routes"]
    )
    (view,) = [v for v in out["views"] if v["url_route"] == "taimer-procountor"]
    assert view["name"] == "Taimer ⇄ Procountor"
    assert view["destination"] == "nav"
    assert view["href"] == "taimer-procountor/"  # relative: resolved against the UI's base URL
    # cheap import: the ledger, the Airflow edge (connection lookup), pandas and GX load only on a request
    assert out["modules"] == []
