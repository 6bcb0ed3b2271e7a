"""On PostgreSQL the two big append-only tables of the EPCIS repository become
range-partitioned by month of ``event_time`` (ARCHITECTURE §5: partition the
big append-only tables by month): a default partition catches anything outside
the monthly ones, and ``trace.partitions.ensure`` (a periodic job) creates the
coming months. Primary keys become (id, event_time) as PostgreSQL requires; ids
still come from one sequence, so Django's ``pk`` stays unique. The tables are
rebuilt empty: this runs in the release that creates them.

SQLite (the demo) keeps plain tables."""

from django.db import migrations

TABLES = ("trace_epcisevent", "trace_epcindex")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")
            if cur.fetchone()[0]:
                raise RuntimeError(f"{table} is not empty; partition it by hand")
            cur.execute(f"""
                CREATE SEQUENCE {table}_pid_seq;
                CREATE TABLE {table}_p (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
                    PARTITION BY RANGE (event_time);
                DROP TABLE {table} CASCADE;
                ALTER TABLE {table}_p RENAME TO {table};
                ALTER SEQUENCE {table}_pid_seq OWNED BY {table}.id;
                ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{table}_pid_seq');
                ALTER TABLE {table} ADD PRIMARY KEY (id, event_time);
                CREATE TABLE {table}_default PARTITION OF {table} DEFAULT;
            """)
        cur.execute("""
            CREATE INDEX epcis_event_id_idx ON trace_epcisevent (event_id);
            CREATE INDEX epcis_event_time_idx ON trace_epcisevent (event_time);
            CREATE INDEX epcis_record_time_idx ON trace_epcisevent (record_time);
            CREATE INDEX epc_index_idx ON trace_epcindex (epc, event_time);
            CREATE INDEX epc_gtin_idx ON trace_epcindex (gtin, event_time);
            CREATE INDEX epc_index_event_idx ON trace_epcindex (event_id);
        """)
    from shequn.trace import partitions

    partitions.ensure(schema_editor.connection, months_back=24, months_ahead=3)


class Migration(migrations.Migration):
    dependencies = [("trace", "0005_epcis_transactions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
