from django.db import migrations


def create_sequence(apps, schema_editor):
    # PostgreSQL has real sequences; SQLite uses the core_counter table (ids.py).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS shequn_order_no_seq")


def drop_sequence(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS shequn_order_no_seq")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_sequence, drop_sequence)]
