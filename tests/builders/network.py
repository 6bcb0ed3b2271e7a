"""A small leader network for analytics and leader-console tests: an operator, a
default commission plan and a buyable SKU; leaders, listings, share visits and
attributed paid orders made through the real services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from shequn.accounts.models import User
from shequn.commission import services as commission
from shequn.commission.models import CommissionPlan
from shequn.core import clock, outbox
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import Order
from shequn.shops import services as shops
from shequn.shops.models import Listing, ShareVisit
from shequn.shops.tokens import make_share_token
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_buyable
from tests.builders.people import make_buyer, make_leader, make_operator


@dataclass
class Net:
    operator: User = field(default_factory=make_operator)
    sku: Any = None

    def __post_init__(self) -> None:
        if self.sku is None:
            self.sku = make_buyable(price="200.00", stock=500)
        if not CommissionPlan.objects.filter(scope="default", active=True).exists():
            commission.create_plan(self.operator, scope="default", kind="rate", rate="0.10")

    def leader(self, inviter: LeaderProfile | None = None, **kw: Any) -> LeaderProfile:
        return make_leader(inviter, self.operator, **kw)

    def listing(self, profile: LeaderProfile) -> Listing:
        assert profile.shop is not None
        return shops.add_listing(profile.shop, profile.user, self.sku.product)

    def visit(self, profile: LeaderProfile, listing: Listing | None = None,
              channel: str = "link", session: str = "") -> ShareVisit:
        assert profile.shop is not None
        token = make_share_token(profile.shop, listing, channel)
        visit = shops.open_share_link(token, session_key=session or f"s{visit_seq()}",
                                      cart=None)
        # ShareVisit.at is auto_now_add (wall clock); follow the test clock instead.
        ShareVisit.objects.filter(pk=visit.pk).update(at=clock.now())
        return visit

    def sale(self, profile: LeaderProfile, listing: Listing | None = None, qty: int = 1,
             channel: str = "link", buyer: User | None = None) -> Order:
        order = place_paid_order(buyer or make_buyer(), self.sku, qty=qty, shop=profile.shop,
                                 listing=listing)
        if channel != "link":
            Order.objects.filter(pk=order.pk).update(attribution_channel=channel)
            order.attribution_channel = channel
        outbox.drain()
        return order


_visits = itertools.count(1)


def visit_seq() -> int:
    return next(_visits)
