#!/usr/bin/env bash
# Creates the application's and the audit service's database roles (docs/deployment.md).
#
# The postgres image runs this once, when it first creates the database (mounted into
# /docker-entrypoint-initdb.d by docker-compose.yml). On a database that already exists, run it
# by hand; it is safe to run again and sets the passwords anew:
#   docker compose exec db bash /docker-entrypoint-initdb.d/10-init-roles.sh
#
# The roles own nothing and can log in only. What they may do is granted by the owner after
# every migrate: `python manage.py database_roles --app-role cse_app --audit-role cse_audit`.
set -euo pipefail

: "${CSE_APP_DB_PASSWORD:?set CSE_APP_DB_PASSWORD}"
: "${CSE_AUDIT_DB_PASSWORD:?set CSE_AUDIT_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_password="$CSE_APP_DB_PASSWORD" -v audit_password="$CSE_AUDIT_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', name)
  FROM (VALUES ('cse_app'), ('cse_audit')) AS roles (name)
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = name)
\gexec
-- No superuser, no creating roles or databases, and not a member of the owner: only what
-- database_roles grants.
ALTER ROLE cse_app NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS LOGIN
  PASSWORD :'app_password';
ALTER ROLE cse_audit NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS LOGIN
  PASSWORD :'audit_password';
SQL
