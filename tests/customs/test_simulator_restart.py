"""The embedded customs simulator keeps its state across a restart of the
process (in the database): a return declared after the restart for an order
customs released before it is accepted, and customs' quota ledger is intact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from shequn.core import pii
from shequn.customs import gateway, services
from shequn.customs.models import Declaration, Message, ReturnDeclaration, SimulatorState
from shequn.customs.simstate import DatabaseStore
from shequn.orders import returns
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order
from tests.customs.test_flow import run_until_quiet

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="customs-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_return_after_a_restart_for_an_order_released_before_it_is_accepted(operator):
    sku = make_sku(price="128.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(make_buyer(), sku, qty=2)
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state in (Declaration.State.RELEASED, Declaration.State.CLOSED)
    order_services.mark_shipped(order.pk, operator)
    order_services.mark_delivered(order.pk, operator)
    before = gateway.embedded(services.receive).window
    year = declaration.created_at.year
    id_number = pii.decrypt(order.buyer_id_enc)
    used = before.quota_used(id_number, year)
    assert used > 0

    gateway.reset_embedded()  # the process restarts: a new simulator
    after = gateway.embedded(services.receive).window
    assert after is not before
    assert after.quota_used(id_number, year) == used
    assert after.declaration(declaration.invt_no)["state"] in ("released", "closed")

    line = order.lines.get()
    after_sale = returns.request_return(order.user, order.pk, [(line.pk, 1)], "不合适")
    returns.decide_return(operator, after_sale.pk, approve=True)
    run_until_quiet()
    ret = ReturnDeclaration.objects.get(after_sale=after_sale)
    assert ret.state == ReturnDeclaration.State.ACCEPTED, ret.status_info
    assert Message.objects.filter(kind="CEB625", state=Message.State.SENT).count() == 1
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED
    # Customs gave the returned unit's value back to the buyer's annual quota.
    assert gateway.embedded(services.receive).window.quota_used(id_number, year) < used


def test_an_older_save_never_overwrites_a_newer_one():
    first, second = DatabaseStore("t"), DatabaseStore("t")
    first.save({"n": 1})
    assert second.load() == {"n": 1}
    second.save({"n": 2})
    first.save({"n": "late"})  # its version (2) is not above the stored one (2)
    assert DatabaseStore("t").load() == {"n": 2}
    assert SimulatorState.objects.get(name="t").version == 2


def test_a_snapshot_file_setting_keeps_the_state_in_the_file(settings, tmp_path):
    path = tmp_path / "sim.json"
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_SIM": {"snapshot_path": str(path)}}
    window = gateway.embedded(services.receive).window
    window.set_quota_used("110101199003070034", 2026, Decimal("100"))
    assert path.exists() and not SimulatorState.objects.exists()
    gateway.reset_embedded()
    again = gateway.embedded(services.receive).window
    assert again.quota_used("110101199003070034", 2026) == Decimal("100")
