"""From a real paid order (through checkout and the payment simulator) to CEB
messages that validate and pass every business rule, the cross-document ones
included."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.checkout.services import place_order
from shequn.customs import mapping
from shequn.customs.ceb import rules
from shequn.customs.ceb.messages import (
    build_ceb311,
    build_ceb411,
    build_ceb511,
    build_ceb621,
    read_message,
    to_bytes,
)
from shequn.customs.ceb.signing import RsaSha256Signer, generate_demo_keypair
from shequn.payments import services as payments
from shequn.payments.models import Payment
from tests.builders import (
    cart_with,
    make_buyable,
    make_buyer_with_identity,
    make_org,
    make_warehouse,
)

pytestmark = pytest.mark.django_db
CARRIER = mapping.Party("3301980LGS", "示例物流")


def _paid_order(**sku_fields):
    buyer = make_buyer_with_identity()
    operator = make_org("warehouse")
    wh = make_warehouse("bonded", operator=operator)
    a = make_buyable("120.00", 5, warehouse=wh, legal_unit1="035",
                     legal_qty1_per_unit=Decimal("0.4"), **sku_fields)
    b = make_buyable("35.50", 5, warehouse=wh, seller=a.product.seller, hs_code="3304990099")
    cart = cart_with(buyer.user, (a, 2), (b, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    payments.start_payment(buyer.user, order.checkout_id)
    payments.simulate_payment(buyer.user, order.checkout_id)
    order.refresh_from_db()
    return buyer, order


def test_paid_order_maps_to_valid_consistent_messages(tmp_path):
    buyer, order = _paid_order()
    payment = order.payments.get(state=Payment.State.SUCCEEDED)
    o = mapping.order_message(order)
    p = mapping.payment_message(payment)
    w = mapping.waybill_message(order, logistics_no="YT0000000001", carrier=CARRIER)
    inv = mapping.inventory_message(order, w, cop_no=f"C{order.number}")

    assert o.head.buyer_id_number == buyer.id_number  # decrypted for the message only
    assert o.head.actural_paid == order.actual_paid == p.amount_paid
    assert [ln.gnum for ln in inv.lines] == [1, 2]
    assert inv.lines[0].qty1 == Decimal("0.8") and inv.lines[0].unit1 == "035"
    assert inv.head.ems_no == order.warehouse.ems_no
    assert inv.head.agent_code == order.warehouse.operator.customs_code

    assert rules.order_problems(o) == []
    assert rules.payment_problems(p) == []
    assert rules.waybill_problems(w) == []
    assert rules.inventory_problems(inv) == []
    assert rules.check_order_payment(o, p) == []
    assert rules.check_order_waybill(o, w) == []
    assert rules.check_inventory_order(inv, o) == []
    assert rules.check_inventory_waybill(inv, w) == []
    assert rules.check_legal_quantities(inv, mapping.legal_units_by_item(order)) == []

    t = mapping.transfer()
    signer = RsaSha256Signer.from_files(*generate_demo_keypair(tmp_path))
    for root in (build_ceb311([o], t), build_ceb411([p], t), build_ceb511([w], t),
                 build_ceb621([inv], t, signer=signer)):
        msg = read_message(to_bytes(root))
        assert rules.message_problems(msg) == []


def test_platform_identity_from_settings(settings):
    settings.SHEQUN = {**settings.SHEQUN, "PLATFORM_EBP_CODE": "1234567890",
                       "PLATFORM_EBP_NAME": "测试平台"}
    _buyer, order = _paid_order()
    head = mapping.order_message(order).head
    assert (head.ebp_code, head.ebp_name) == ("1234567890", "测试平台")
    assert mapping.transfer().cop_code == "1234567890"


def test_payer_must_be_buyer():
    _buyer, order = _paid_order()
    payment = order.payments.get(state=Payment.State.SUCCEEDED)
    payment.payer_id_hash = "0" * 64
    with pytest.raises(mapping.MappingError):
        mapping.payment_message(payment)


def test_seller_without_customs_code_refused():
    _buyer, order = _paid_order()
    order.seller.customs_code = ""
    with pytest.raises(mapping.MappingError):
        mapping.order_message(order)


def test_customs_is_told_the_chinese_names_whatever_the_pages_language(tmp_path):
    """English pages show English product names; the order line's snapshot and
    every customs message keep the Chinese name as sold (and the Chinese names
    of the enterprises), even when the buyer shops in English."""
    from django.utils import translation

    with translation.override("en"):
        _buyer, order = _paid_order()
        lines = list(order.lines.select_related("sku__product"))
        for ln in lines:
            assert ln.sku.product.name_en and ln.name == ln.sku.product.name
            assert ln.display_name == ln.sku.product.name_en  # what the English pages show
        o = mapping.order_message(order)
        w = mapping.waybill_message(order, logistics_no="YT0000000002", carrier=CARRIER)
        inv = mapping.inventory_message(order, w, cop_no=f"C{order.number}")
        xml = to_bytes(build_ceb621([inv], mapping.transfer(),
                                    signer=RsaSha256Signer.from_files(
                                        *generate_demo_keypair(tmp_path)))).decode()
    names = [ln.sku.product.name for ln in lines]
    assert [ln.item_name for ln in o.lines] == names
    assert [(ln.item_name, ln.gname) for ln in inv.lines] == [(n, n) for n in names]
    assert o.head.ebc_name == order.seller.name != order.seller.name_en
    assert w.goods_info == "，".join(names)
    for ln in lines:
        assert ln.name in xml and ln.sku.product.name_en not in xml


def test_an_order_stored_with_an_abolished_district_declares_its_current_code():
    """An order placed before the region data was updated (杭州's 下城区, merged
    into 拱墅区 in 2021) is declared with today's code; a current code as is."""
    _, order = _paid_order()
    assert mapping.order_message(order).head.consignee_district == order.district_code
    order.district_code = "330103"  # 下城区, as stored before the update
    assert mapping.order_message(order).head.consignee_district == "330105"
