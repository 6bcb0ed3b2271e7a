"""Builders for buyers and a buyable catalog, shared by checkout, order and
payment tests. They go through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from stdnum.cn import ric

from shequn.accounts.models import User
from shequn.checkout import cart as carts
from shequn.checkout.identities import add_address, add_identity
from shequn.core import pii
from tests.factories import make_org, make_product, make_sku, make_stock, make_warehouse

_seq = itertools.count(1)


def complete_resident_id(body17: str) -> str:
    """The 17 digits plus their check digit (stdnum wants a placeholder 18th)."""
    return body17 + ric.calc_check_digit(body17 + "0")


def resident_id(birth: str = "19900307", region: str = "110105", seq: int = 123) -> str:
    return complete_resident_id(f"{region}{birth}{seq:03d}")


def make_buyer(phone: str | None = None) -> User:
    n = next(_seq)
    phone = phone or f"139{n:08d}"
    return User.objects.create(username=f"buyer{n}", phone_enc=pii.encrypt(phone),
                               phone_hash=pii.lookup_hash(phone),
                               phone_masked=pii.mask_phone(phone))


@dataclass
class Buyer:
    user: User
    identity_id: int
    address_id: int
    id_number: str
    name: str


def make_real_buyer(id_number: str | None = None, name: str = "张三") -> Buyer:
    user = make_buyer()
    id_number = id_number or resident_id(seq=next(_seq) % 1000)
    ident = add_identity(user, name, id_number, "13800138000")
    addr = add_address(user, "张三", "13800138000", "浙江省", "杭州市", "西湖区", "330106",
                       "文三路 100 号")
    return Buyer(user=user, identity_id=ident.pk, address_id=addr.pk, id_number=id_number,
                 name=name)


def make_buyable(price: str = "298.00", stock: int = 50, *, vat: str = "0.13",
                 ct_rule: str = "none", ct_rate: str = "0", hs_code: str = "1901101010",
                 warehouse: Any = None, **sku_fields: Any) -> Any:
    """A SKU with stock in a bonded warehouse."""
    seller = sku_fields.pop("seller", None) or make_org("ebc")
    sku = make_sku(product=make_product(seller=seller), price=price, hs_code=hs_code,
                   vat_rate=Decimal(vat), consumption_tax_rule=ct_rule,
                   consumption_tax_rate=Decimal(ct_rate), **sku_fields)
    wh = warehouse or make_warehouse("bonded")
    if stock:
        make_stock(wh, sku, stock)
    return sku


def cart_with(user: User, *items: tuple[Any, int]) -> Any:
    session: dict[str, Any] = {}
    cart = carts.cart_for_session(session, user)
    for sku, qty in items:
        carts.add_item(cart, sku.pk, qty)
    cart.refresh_from_db()
    return cart


def run_events(rounds: int = 10) -> None:
    """Drain the outbox until it is quiet (events cause events), and let the
    embedded customs simulator answer: what the worker does in the background."""
    from shequn.core import outbox
    from shequn.customs import services as customs

    for _ in range(rounds):
        if not (outbox.drain() + customs.pump_embedded()):
            return
