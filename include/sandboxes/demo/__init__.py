"""``make demo``: the pipeline end to end on one machine, through real Airflow, against both sandboxes.

``python -m sandboxes.demo --help``. It lives beside the sandboxes, not in the product package: it seeds them,
starts them and drives Airflow's ``dag.test()`` through ``sandboxes.dag_runner``.
"""
