"""The database itself refuses to change or remove access log entries (core PostgreSQL only).

TRUNCATE is not trapped here because the test suite empties tables with it between
transactional tests; in production the application's database role should not own the table
(docs/deployment.md), and the hash chain makes any gap visible.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION agencies_access_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access log entries are append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER agencies_access_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON agencies_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION agencies_access_log_refuse_change();
"""

BACKWARD = """
DROP TRIGGER agencies_access_log_no_update_or_delete ON agencies_accesslogentry;
DROP FUNCTION agencies_access_log_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_accesslogentry")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
