"""The inbound flows (Procountor -> Taimer), one module per step (docs/inbound.md):

- ``extract``: what to read from Procountor (the version-date window, from the ledger's watermark or a date range);
- ``route``: who receives a purchase invoice in Taimer, and why (pure: seed article §4's three rules);
- ``bills``: received purchase invoices written to Taimer as bills (``upsert_bill``), the watermark moved after;
- ``approvals``: bills approved in Taimer with "Hyväksy Procountorissa" approved in Procountor, each once;
- ``payments``: paid statuses and payment events of the invoices we sent, written to Taimer;
- ``report``: the run's ``FlowSummary``; ``steps``: the task bodies the DAG calls (no Airflow in them).
"""

from __future__ import annotations

FLOW = "inbound"
