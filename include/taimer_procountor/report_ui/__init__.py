"""The report UI: the sync's state (runs, reference snapshots, outbound documents, the error catalogue) as HTML
pages and JSON, read from the ledger. Airflow-free; ``plugins/taimer_procountor_ui.py`` mounts it on Airflow's
api-server. See docs/ui.md.

    from taimer_procountor.report_ui import create_app
    app = create_app(lambda: ledger)
"""

from __future__ import annotations

from taimer_procountor.report_ui.app import LedgerProvider, LedgerUnavailable, create_app

__all__ = ["LedgerProvider", "LedgerUnavailable", "create_app"]
