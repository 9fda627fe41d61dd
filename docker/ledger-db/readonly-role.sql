-- The ledger's read-only role: what the report page (Airflow UI plugin) connects as. It may read every table of the
-- ledger, now and after later migrations, and write nothing.
--
-- psql variables: ro_role (the role to create), ro_password (its password), owner_role (the role that runs the
-- ledger's migrations and so owns its tables). docker/ledger-db/init-readonly-role.sh runs this once, on a new
-- ledger-db volume; tests/integration/test_ledger_readonly_role.py runs the same file against a test database.
\set ON_ERROR_STOP on

CREATE ROLE :"ro_role" LOGIN PASSWORD :'ro_password';
-- Even a table someone forgets to cover below stays unwritable: every transaction of the role is read-only.
ALTER ROLE :"ro_role" SET default_transaction_read_only = on;

GRANT CONNECT ON DATABASE :"DBNAME" TO :"ro_role";
GRANT USAGE ON SCHEMA public TO :"ro_role";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"ro_role";
-- Tables the owner creates later (the migrations run after this script) are readable too, and only readable.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_role" IN SCHEMA public GRANT SELECT ON TABLES TO :"ro_role";
