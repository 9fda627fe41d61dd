"""The Airflow assets of the integration, defined once so producer and consumer DAGs use the same objects.

``REFERENCE_SNAPSHOT``: emitted by ``procountor_reference_sync`` when the Procountor reference data changed (or was
written to Taimer); its event ``extra`` carries the snapshot ids per kind and the change counts. The outbound DAG
can schedule on it (``schedule=[REFERENCE_SNAPSHOT]``) or read its latest event. Cheap to import (only
``airflow.sdk``), so DAG files may import it at parse time.
"""

from __future__ import annotations

from airflow.sdk import Asset

REFERENCE_SNAPSHOT_URI = "taimer_procountor://reference-snapshot"
REFERENCE_SNAPSHOT = Asset(
    name="taimer_procountor_reference_snapshot", uri=REFERENCE_SNAPSHOT_URI, group="taimer_procountor"
)

# ``OUTBOUND_INVOICES``: emitted by ``taimer_to_procountor`` when a run created or updated invoices in Procountor; its
# event ``extra`` carries the counts per kind (the inbound DAG can schedule on it to pick up statuses sooner).
OUTBOUND_INVOICES_URI = "taimer_procountor://outbound-invoices"
OUTBOUND_INVOICES = Asset(
    name="taimer_procountor_outbound_invoices", uri=OUTBOUND_INVOICES_URI, group="taimer_procountor"
)
