# syntax=docker/dockerfile:1
# The one image of the docker-compose stack: every Airflow component and both sandboxes run from it.
# Extends the official Airflow image the documented way (pinned apache-airflow in requirements.txt, installed as the
# airflow user), with the project's full freeze as constraints because Airflow's published constraint files cannot
# be fetched from every machine (DESIGN §8). DAGs and plugins are not baked in: docker-compose.yaml mounts them.
#
# The tag must match `apache-airflow==` in requirements.txt and the project's Python (3.11); the DAG-integrity and
# compose tests check both (tests/unit/test_compose_structure.py).
FROM apache/airflow:3.3.2-python3.11

# Dependencies first, so that a change in include/ does not re-run the (slow) dependency install.
USER airflow
WORKDIR /opt/taimer-procountor
COPY --chown=airflow:0 requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r requirements.txt

# The project's library and sandboxes, installed as a regular (non-editable) package.
COPY --chown=airflow:0 pyproject.toml README.md ./
COPY --chown=airflow:0 include/ ./include/
# `pip check`: our freeze is installed over the base image's own providers (Celery, Redis, Postgres, FAB), which our
# requirements do not pin; a version our freeze moves under one of them fails the build here, not at runtime.
RUN pip install --no-cache-dir --no-deps . \
 && pip check \
 && python -c "import taimer_procountor, sandboxes" \
 && python -c "import importlib.util as u, sys; sys.exit(None if u.find_spec('airflow.providers.celery') else 'the Celery provider of the base image is gone: CeleryExecutor cannot start')"

WORKDIR /opt/airflow
