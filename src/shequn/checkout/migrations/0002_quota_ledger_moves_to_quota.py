"""The quota ledger's models leave checkout for ``shequn.quota`` (issue 9).

State only: the tables stay (quota 0001 takes them over under the same
``db_table``), so nothing is dropped.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("checkout", "0001_initial"),
        ("quota", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="QuotaMove"),
                migrations.DeleteModel(name="QuotaAccount"),
            ],
            database_operations=[],
        ),
    ]
