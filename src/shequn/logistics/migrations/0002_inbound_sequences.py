"""Sequences for ASN and transfer numbers (PostgreSQL; SQLite uses core_counter)."""

from django.db import migrations

SEQUENCES = ("shequn_asn_no_seq", "shequn_transfer_no_seq")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in SEQUENCES:
            schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in SEQUENCES:
            schema_editor.execute(f"DROP SEQUENCE IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("logistics", "0001_inbound_documents"), ("core", "0002_order_sequence")]

    operations = [migrations.RunPython(create, drop)]
