"""The hand-made default Taimer dataset passes the checks it is shown with: every business ID has a valid check
digit and every IBAN is valid (the data was fixed; the checks stay strict)."""

from __future__ import annotations

from sandboxes.taimer.datasets import default_dataset
from taimer_procountor.identifiers import is_valid_business_id, is_valid_iban


def test_every_business_id_and_iban_of_the_default_dataset_is_valid():
    data = default_dataset()
    ids = [data.company.business_id] + [c.business_id for c in data.customers if c.business_id]
    ids += [b.supplier.business_id for b in data.bills if b.supplier.business_id]
    ibans = [a.iban for a in data.company.bank_accounts] + [b.supplier.iban for b in data.bills if b.supplier.iban]
    assert ids and all(is_valid_business_id(i) for i in ids), ids
    assert ibans and all(is_valid_iban(i) for i in ibans), ibans
