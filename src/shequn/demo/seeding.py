"""``manage.py seed_demo``: the base data set (``base``: catalog, stock, leader,
shop, plans) and then the supply side on top of it: brand and warehouse people
(``seed_people``), the authorization chains that let the goods be sold
(``seed_grants``), inbound stock (``seed_inbound``) and a product awaiting
review (``seed_products``), and coded goods with a risk signal
(``seed_trace``). Safe to run any number of times; tests and the benchmarks call :func:`seed`."""

from __future__ import annotations

from django.db import transaction

from shequn.demo import (
    base,
    seed_grants,
    seed_inbound,
    seed_people,
    seed_products,
    seed_trace,
)
from shequn.demo.base import (
    ADMIN_LOGIN,
    BASE_URL,
    BRAND_LOGIN,
    BUYER_PHONE,
    LEADER_LOGIN,
    OPS_LOGIN,
    SHOP_NAME,
    SHOP_SLUG,
    DemoData,
    Writer,
    share_token,
    summary,
)
from shequn.demo.dataset import BATCHES, BONDED_WH, DIRECT_WH, PRODUCTS

__all__ = ["ADMIN_LOGIN", "BASE_URL", "BATCHES", "BONDED_WH", "BRAND_LOGIN", "BUYER_PHONE",
           "DIRECT_WH", "LEADER_LOGIN", "OPS_LOGIN", "PRODUCTS", "SHOP_NAME", "SHOP_SLUG",
           "DemoData", "seed", "share_token", "summary"]


@transaction.atomic
def seed(stdout: Writer | None = None, staff_password: str | None = None) -> DemoData:
    """Create (or find) the whole demo data set. ``staff_password`` replaces the
    published demo passwords of every staff, leader and brand login (staging:
    the instance is reachable by others)."""
    say = base._say(stdout)
    data = base.seed_base(stdout, staff_password)
    seed_people.seed(data, say, staff_password=staff_password)
    seed_grants.seed(data, say)
    seed_inbound.seed(data, say)
    seed_products.seed(data, say)
    seed_trace.seed(data, say)
    return data
