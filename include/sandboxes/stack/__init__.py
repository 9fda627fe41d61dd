"""The production topology on one machine, natively (no containers): ``make stack`` / ``python -m sandboxes.stack``.

PostgreSQL metadata database, CeleryExecutor (Redis broker, PostgreSQL result backend), api-server, scheduler,
dag-processor, triggerer, two Celery workers, the ledger on PostgreSQL of its own and both sandboxes as services, all
on loopback; logs and pids under ``var/stack/``. ``settings`` holds what this stack and docker-compose.yaml share
(tests/unit/test_compose_structure.py holds compose to it); ``launcher`` starts and stops the processes;
``rest`` is the small REST API v2 client the launcher and the end-to-end test use. docs/production.md.
"""
