"""Grant the application's and the audit side's database roles what they may do.

Run by the owner of the tables after every `migrate` (docker-compose's migrate service does):
the application role may read and write every table but may only read and add to the access
log, so that even with the application's credentials nobody can change or remove an entry; the
audit role may only read the access log. GRANT and REVOKE are idempotent, so running it again
covers the tables later migrations add.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql

from agencies.models import AccessLogEntry

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# What neither role may do to the access log, checked after granting, whatever the route
# (role membership, grants to PUBLIC).
LOG_CHANGES = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


class Command(BaseCommand):
    help = (
        "Grant the application role read and write on every table but read and insert only on "
        "the access log, and the audit role read on the access log only. Run as the owner after "
        "migrate; safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--app-role", required=True, help="Role web, worker and beat use")
        parser.add_argument("--audit-role", help="Role the audit service uses (anchor, verify)")

    def handle(self, *args, **options) -> None:
        app, audit = options["app_role"], options["audit_role"]
        roles = [role for role in (app, audit) if role]
        for role in roles:
            if not ROLE_NAME.match(role):
                raise CommandError(f"{role!r} is not a role name this command accepts.")
        if app == audit:
            raise CommandError("The application and audit roles must be different roles.")
        table = AccessLogEntry._meta.db_table
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_schema(), tableowner FROM pg_tables "
                "WHERE schemaname = current_schema() AND tablename = %s",
                [table],
            )
            row = cursor.fetchone()
            if row is None:
                raise CommandError("The access log table does not exist: run migrate first.")
            schema, owner = row
            for role in roles:
                self.check_role(cursor, role, owner)
            self.grant(cursor, schema=schema, table=table, app=app, audit=audit)
            for role in roles:
                self.check_log_is_read_only(cursor, role, table, may_insert=role == app)
            cursor.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()",
            )
            tables = cursor.fetchone()[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"{app} may read and write {tables - 1} tables, and only read and add to the "
                "access log." + (f" {audit} may only read the access log." if audit else "")
            )
        )

    def check_role(self, cursor, role: str, owner: str) -> None:
        cursor.execute(
            "SELECT rolsuper, pg_has_role(rolname, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [owner, role],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError(
                f"The role {role} does not exist: create it first "
                "(deploy/postgres/init-roles.sh, docs/deployment.md)."
            )
        if any(row):
            raise CommandError(
                f"The role {role} is a superuser, or is (or acts as) {owner}, the owner of the "
                "tables: it could change or remove access log entries. Give it a role of its own."
            )

    def grant(self, cursor, *, schema: str, table: str, app: str, audit: str | None) -> None:
        schema_, table_ = sql.Identifier(schema), sql.Identifier(schema, table)
        app_ = sql.Identifier(app)
        statements = [
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_, app_),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}").format(
                schema_, app_
            ),
            # USAGE and SELECT only: nextval and currval, never setval.
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                schema_, app_
            ),
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(table_, app_),
            sql.SQL("GRANT SELECT, INSERT ON TABLE {} TO {}").format(table_, app_),
        ]
        if audit:
            audit_ = sql.Identifier(audit)
            statements += [
                # Anything granted before (by hand, or by an older release) goes first.
                sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(schema_, audit_),
                sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(schema_, audit_),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema_, audit_),
                sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(table_, audit_),
            ]
        for statement in statements:
            cursor.execute(statement.as_string(cursor.connection))

    def check_log_is_read_only(self, cursor, role: str, table: str, *, may_insert: bool) -> None:
        refused = [*LOG_CHANGES, *(() if may_insert else ("INSERT",))]
        cursor.execute(
            "SELECT privilege FROM unnest(%s::text[]) AS privilege "
            "WHERE has_table_privilege(%s, %s::regclass, privilege) "
            "OR (privilege IN ('UPDATE', 'INSERT', 'REFERENCES') "
            "AND has_any_column_privilege(%s, %s::regclass, privilege))",
            [refused, role, table, role, table],
        )
        kept = [privilege for (privilege,) in cursor.fetchall()]
        if kept:
            raise CommandError(
                f"The role {role} can still {', '.join(kept)} the access log, through PUBLIC or "
                "another role it belongs to: remove that grant, then run this again."
            )
