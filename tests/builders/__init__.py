"""Test data builders for every domain's tests: ``from tests.builders import ...``.

They go through the domain services where one exists, so what they make obeys the
same rules as production (valid check digits, HS code on the positive list, stock
ledger, real-name checkout, signed payment notifications). Modules:

- ``ids``: resident IDs, phone numbers, GTINs with valid check digits;
- ``catalog``: organizations, products, SKUs, warehouses, stock (factory_boy);
- ``people``: users, buyers, operators, leader applications, approved leaders;
- ``buying``: buyers with identities, carts, placed / paid / completed orders;
- ``network``: :class:`Net`, a leader network with sales for analytics tests.
"""

from tests.builders.buying import (
    Buyer,
    cart_with,
    complete,
    deliver,
    make_buyer_with_identity,
    paid_order,
    pay,
    place_checkout,
    place_order_for,
    place_paid_order,
    refunded_return,
    run_events,
)
from tests.builders.catalog import (
    DEFAULT_HS,
    OrganizationFactory,
    ProductFactory,
    SKUFactory,
    WarehouseFactory,
    make_buyable,
    make_org,
    make_positive_line,
    make_product,
    make_sku,
    make_stock,
    make_warehouse,
)
from tests.builders.ids import make_gtin, phone, resident_id
from tests.builders.network import Net
from tests.builders.people import (
    PASSWORD,
    UserFactory,
    leader_and_shop,
    make_application,
    make_buyer,
    make_leader,
    make_operator,
    make_user,
    set_approved_at,
)

__all__ = [
    "DEFAULT_HS", "PASSWORD", "Buyer", "Net", "OrganizationFactory", "ProductFactory",
    "SKUFactory", "UserFactory", "WarehouseFactory", "cart_with", "complete", "deliver",
    "leader_and_shop", "make_application", "make_buyable", "make_buyer",
    "make_buyer_with_identity", "make_gtin", "make_leader", "make_operator", "make_org",
    "make_positive_line", "make_product", "make_sku", "make_stock", "make_user",
    "make_warehouse", "paid_order", "pay", "phone", "place_checkout", "place_order_for",
    "place_paid_order",
    "refunded_return", "resident_id", "run_events", "set_approved_at",
]
