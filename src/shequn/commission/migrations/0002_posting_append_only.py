"""The ledger is append-only also below the ORM: a trigger refuses UPDATE of
postings (both engines) and DELETE (PostgreSQL; TRUNCATE, which test teardown
and benchmarks use, fires no row trigger. SQLite's test flush deletes rows, so
there the ORM refusal is the guard)."""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION commission_posting_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'commission_posting is append-only (% refused)', TG_OP;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER commission_posting_no_update BEFORE UPDATE OR DELETE ON commission_posting
  FOR EACH ROW EXECUTE FUNCTION commission_posting_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS commission_posting_no_update ON commission_posting;
DROP FUNCTION IF EXISTS commission_posting_append_only();
"""
SQLITE_UP = """
CREATE TRIGGER commission_posting_no_update BEFORE UPDATE ON commission_posting
BEGIN SELECT RAISE(ABORT, 'commission_posting is append-only (UPDATE refused)'); END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS commission_posting_no_update;"


def up(apps, schema_editor):
    conn = schema_editor.connection
    sql = PG_UP if conn.vendor == "postgresql" else SQLITE_UP if conn.vendor == "sqlite" else ""
    if sql:
        schema_editor.execute(sql, params=None)


def down(apps, schema_editor):
    conn = schema_editor.connection
    sql = PG_DOWN if conn.vendor == "postgresql" else SQLITE_DOWN
    schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("commission", "0001_initial")]
    operations = [migrations.RunPython(up, down)]
