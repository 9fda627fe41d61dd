#!/usr/bin/env bash
# Runs once, when ledger-db starts on an empty volume (the postgres image's /docker-entrypoint-initdb.d): creates the
# read-only role `ledger_ui` of the report page with the password from .env (LEDGER_UI_DB_PASSWORD).
set -euo pipefail
: "${LEDGER_UI_DB_PASSWORD:?LEDGER_UI_DB_PASSWORD must be set (make env)}"
psql --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v ro_role=ledger_ui -v ro_password="$LEDGER_UI_DB_PASSWORD" -v owner_role="$POSTGRES_USER" \
  -f /opt/ledger-db/readonly-role.sql
