"""The quota ledger moves from checkout to its own app (issue 9).

The tables were created by checkout 0001 and keep their names (``db_table``):
only Django's state moves, no row is copied. Content types (and so any
permissions granted on the models) follow the models to the new app label.
"""

import django.db.models.deletion
import django.db.models.expressions
from decimal import Decimal
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("quotaaccount", "quotamove"):
        if not ContentType.objects.filter(app_label="quota", model=model).exists():
            ContentType.objects.filter(app_label="checkout", model=model).update(
                app_label="quota")


def return_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in ("quotaaccount", "quotamove"):
        if not ContentType.objects.filter(app_label="checkout", model=model).exists():
            ContentType.objects.filter(app_label="quota", model=model).update(
                app_label="checkout")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("checkout", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="QuotaAccount",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("id_hash", models.CharField(max_length=64)),
                        ("year", models.PositiveSmallIntegerField()),
                        ("used", models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=12)),
                        ("reserved", models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=12)),
                    ],
                    options={
                        "db_table": "checkout_quotaaccount",
                        "constraints": [models.UniqueConstraint(fields=("id_hash", "year"), name="uniq_quota_id_year"), models.CheckConstraint(condition=models.Q(("used__gte", 0), ("reserved__gte", 0)), name="quota_nonneg"), models.CheckConstraint(condition=models.Q(("used__lte", django.db.models.expressions.CombinedExpression(models.Value(Decimal("26000.00")), "-", models.F("reserved")))), name="quota_within_annual_limit")],
                    },
                ),
                migrations.CreateModel(
                    name="QuotaMove",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(choices=[("reserve", "预占 Reserve"), ("consume", "核增 Consume (paid)"), ("release", "释放 Release (cancelled / timed out)"), ("refund", "退回 Refund")], max_length=10)),
                        ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                        ("ref", models.CharField(db_index=True, max_length=40)),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        ("account", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="moves", to="quota.quotaaccount")),
                    ],
                    options={
                        "db_table": "checkout_quotamove",
                        "constraints": [models.UniqueConstraint(fields=("account", "kind", "ref"), name="uniq_quota_move")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, return_content_types),
    ]
