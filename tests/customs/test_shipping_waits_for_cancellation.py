"""An order whose cancellation (CEB623) awaits customs' answer does not ship,
even once customs released it: customs may still approve the cancellation and
the refund follow, which would give shipped goods away. It ships once customs
refuses the cancellation; after an approval it never ships."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from shequn.core.errors import DomainError
from shequn.customs import ops, services
from shequn.customs.ceb import messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration, Message
from shequn.orders import services as order_services
from shequn.orders.models import Order
from shequn.payments.models import Refund
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order
from tests.customs.clearance_receipts import cancel_answer, inventory_receipt
from tests.customs.test_console import unreachable_gateway, until_dead
from tests.customs.test_flow import run_until_quiet

pytestmark = pytest.mark.django_db
S = Order.State


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="customs-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


@pytest.fixture
def held(settings) -> Declaration:
    """A paid order accepted by customs and held for review (cancellable)."""
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_SIM": {"review_rate": 1.0,
                                                          "review_delay": 3600.0}}
    sku = make_sku(price="70.00")
    make_stock(make_warehouse(), sku, 4)
    order = place_paid_order(make_buyer(), sku)
    run_until_quiet()
    declaration = Declaration.objects.get(order=order)
    assert declaration.state == Declaration.State.REVIEW and declaration.invt_no
    return declaration


def _cancel_then_release(declaration: Declaration, operator) -> None:
    services.request_cancel(operator, declaration.order_id, "买家取消")
    # Customs releases before it decides the cancellation.
    assert services.receive(inventory_receipt(declaration, "800", "20991125090000000")) \
        == ["applied"]
    assert Order.objects.get(pk=declaration.order_id).cleared_at is not None


def test_no_shipping_while_the_cancellation_is_outstanding(held, operator):
    _cancel_then_release(held, operator)
    with pytest.raises(DomainError) as exc:
        order_services.mark_shipped(held.order_id, operator)
    assert exc.value.code == "customs_cancel_pending" and exc.value.status == 409
    assert Order.objects.get(pk=held.order_id).state == S.PAID


def test_ships_once_customs_refuses_the_cancellation(held, operator):
    _cancel_then_release(held, operator)
    assert services.receive(cancel_answer(held, "-623005", info="状态不符")) == ["refused"]
    order_services.mark_shipped(held.order_id, operator)
    assert Order.objects.get(pk=held.order_id).state == S.SHIPPED


def test_never_ships_after_customs_approves_the_cancellation(held, operator):
    services.request_cancel(operator, held.order_id, "买家取消")
    assert services.receive(cancel_answer(held, "399")) == ["applied"]
    with pytest.raises(DomainError) as exc:
        order_services.mark_shipped(held.order_id, operator)
    assert exc.value.code in ("customs_cancelled", "not_cleared")
    run_until_quiet()  # the refund follows the approval
    assert Order.objects.get(pk=held.order_id).state == S.REFUNDED
    assert Refund.objects.filter(payment__order_id=held.order_id).count() == 1


def test_a_second_cancellation_is_refused_while_one_is_outstanding(held, operator):
    services.request_cancel(operator, held.order_id, "买家取消")
    with pytest.raises(DomainError) as exc:
        services.request_cancel(operator, held.order_id, "again")
    assert exc.value.code == "customs_cancel_pending"
    assert Message.objects.filter(kind="CEB623").count() == 1


def test_a_cancellation_that_never_reaches_customs_stops_blocking(held, operator):
    """Refused by format (CEB900) or given up by an operator: not outstanding."""
    _cancel_then_release(held, operator)
    message = Message.objects.get(kind="CEB623")
    services.send(message.pk)
    error = ceb.MessageReturn(return_status="-3001", return_time="20991125100000000",
                              return_info="报文格式错误", ori_cop_msg_id=message.cop_msg_id,
                              ori_message_type="CEB623Message", ori_biz_message="")
    services.receive(messages.to_bytes(messages.build_message("CEB900Message", [error])))
    assert Declaration.objects.get(pk=held.pk).cancel_requested_at is None
    order_services.mark_shipped(held.order_id, operator)
    assert Order.objects.get(pk=held.order_id).state == S.SHIPPED


def test_giving_up_the_cancellation_message_stops_blocking(held, operator, settings):
    unreachable_gateway(settings)
    _cancel_then_release(held, operator)
    until_dead()  # the CEB623 never reached customs
    message = Message.objects.get(kind="CEB623")
    with pytest.raises(DomainError):
        order_services.mark_shipped(held.order_id, operator)
    ops.cancel_message(operator, message.pk, "撤单改为人工处理")
    assert Declaration.objects.get(pk=held.pk).cancel_requested_at is None
    order_services.mark_shipped(held.order_id, operator)
    assert Order.objects.get(pk=held.order_id).state == S.SHIPPED


def test_cancellation_is_refused_once_the_order_shipped(held, operator):
    assert services.receive(inventory_receipt(held, "800", "20991125090000000")) == ["applied"]
    order_services.mark_shipped(held.order_id, operator)
    with pytest.raises(DomainError) as exc:
        services.request_cancel(operator, held.order_id, "买家取消")
    assert exc.value.code == "not_cancellable"
