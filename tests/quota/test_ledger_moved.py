"""The quota ledger moved from checkout to its own app without touching the data:
a database migrated before the move keeps its rows and its content types."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shequn.quota import selectors, services
from shequn.quota.models import QuotaAccount, QuotaMove

BEFORE = [("checkout", "0001_initial"), ("quota", None)]


def _leaf(executor: MigrationExecutor) -> list[tuple[str, str]]:
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_the_ledger_after_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = MigrationExecutor(connection).loader.project_state(BEFORE[0]).apps
    OldAccount = old.get_model("checkout", "QuotaAccount")
    OldMove = old.get_model("checkout", "QuotaMove")
    account = OldAccount.objects.create(id_hash="h" * 64, year=2026, used=Decimal("0"),
                                        reserved=Decimal("120.00"))
    OldMove.objects.create(account=account, kind="reserve", amount=Decimal("120.00"),
                           ref="OLD1")
    # As post_migrate left them before the move.
    ContentType.objects.filter(app_label="quota").delete()
    old_type = ContentType.objects.get_or_create(app_label="checkout", model="quotaaccount")[0]

    executor = MigrationExecutor(connection)
    executor.migrate(_leaf(executor))

    moved = QuotaAccount.objects.get()
    assert (moved.pk, moved.reserved) == (account.pk, Decimal("120.00"))
    assert selectors.annual_used("h" * 64, 2026) == Decimal("120.00")
    assert services.consume("OLD1") is True  # the old reservation settles in the new app
    assert list(QuotaMove.objects.order_by("id").values_list("kind", flat=True)) == [
        "reserve", "consume"]
    assert ContentType.objects.get(pk=old_type.pk).app_label == "quota"
    assert ContentType.objects.get_for_model(QuotaAccount).pk == old_type.pk
