"""The reference-data sync: Procountor -> ledger snapshot -> Taimer, as plain functions (no Airflow).

- ``extract.fetch_snapshot(client, cost_center_dimension=...)`` reads every kind from Procountor;
- ``transform``: the Taimer items each kind becomes;
- ``validate.screen_items`` screens rows the ledger cannot key; ``validate.bank_account_check(ledger, taimer)``
  compares the company's IBANs (``bank.check_bank_accounts``); ``persons.match_persons(persons, users)`` is the
  person-matching rule;
- ``load.store_snapshot(ledger, fetched)`` saves one snapshot per kind and returns the diff counts;
  ``load.push_kind(ledger, taimer, kind)`` writes one Taimer kind only if something changed;
- ``report.build_summary(...)`` (the run's ``FlowSummary``) / ``render_table`` / ``asset_extra`` make the run report;
- ``steps.recording_failures`` records why a step failed; ``kinds`` holds the flow's names (cheap to import).

docs/reference-sync.md describes the DAG that wires them.
"""

from taimer_procountor.reference.kinds import (
    DEFAULT_COST_CENTER_DIMENSION,
    FLOW,
    SNAPSHOT_KINDS,
    TAIMER_KINDS,
)

__all__ = ["DEFAULT_COST_CENTER_DIMENSION", "FLOW", "SNAPSHOT_KINDS", "TAIMER_KINDS"]
