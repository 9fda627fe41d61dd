"""The Airflow edge of the library: hooks on top of providers-http's HttpHook, the ledger connection, task glue.

This is the only part of ``taimer_procountor`` that imports Airflow; the rest runs and is tested without it.
"""
