"""Builders for the analytics and leader-console tests: approved leaders (through the
distribution services), listings, share visits and attributed paid orders (through
the real checkout and payment services), commission through the commission services.

    from tests.analytics.builders import Net
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from shequn.accounts import roles
from shequn.accounts.models import User
from shequn.commission import services as commission
from shequn.core import clock, outbox
from shequn.distribution import applications
from shequn.distribution.models import LeaderProfile, LeaderStatusChange
from shequn.orders.models import Order
from shequn.shops import services as shops
from shequn.shops.models import Listing, ShareVisit
from shequn.shops.tokens import make_share_token
from tests.buying import make_buyable
from tests.web.order_helpers import make_buyer, place_paid_order

_seq = itertools.count(1)


def make_operator(name: str | None = None) -> User:
    roles.ensure_groups()
    user = User.objects.create_user(name or f"op{next(_seq)}", password="op-pass-2026")
    roles.grant(user, roles.OPERATOR)
    return user


def apply_as(user: User | None = None, invite_code: str = "",
             real_name: str = "王小明") -> LeaderProfile:
    n = next(_seq)
    return applications.apply(user or User.objects.create_user(f"member{n}", password="pw-2026-x"),
                         real_name=real_name, phone=f"137{n:08d}", region="浙江省杭州市",
                         reason="分享好物", invite_code=invite_code)


def approved_leader(operator: User, inviter: LeaderProfile | None = None,
                    real_name: str = "王小明") -> LeaderProfile:
    p = apply_as(invite_code=(inviter.invite_code or "") if inviter else "",
                 real_name=real_name)
    return applications.approve(p.pk, operator, "资料齐全")


def set_approved_at(profile: LeaderProfile, at: dt.datetime) -> None:
    """Move a profile's approval into another month (cohort tests)."""
    LeaderStatusChange.objects.filter(profile=profile, to_status="approved").update(at=at)


@dataclass
class Net:
    """An operator, a default commission plan and a buyable SKU."""

    operator: User = field(default_factory=make_operator)
    sku: Any = None

    def __post_init__(self) -> None:
        if self.sku is None:
            self.sku = make_buyable(price="200.00", stock=500)
        from shequn.commission.models import CommissionPlan

        if not CommissionPlan.objects.filter(scope="default", active=True).exists():
            commission.create_plan(self.operator, scope="default", kind="rate", rate="0.10")

    def leader(self, inviter: LeaderProfile | None = None, **kw: Any) -> LeaderProfile:
        return approved_leader(self.operator, inviter, **kw)

    def listing(self, profile: LeaderProfile) -> Listing:
        assert profile.shop is not None
        return shops.add_listing(profile.shop, profile.user, self.sku.product)

    def visit(self, profile: LeaderProfile, listing: Listing | None = None,
              channel: str = "link", session: str = "") -> ShareVisit:
        assert profile.shop is not None
        token = make_share_token(profile.shop, listing, channel)
        visit = shops.open_share_link(token, session_key=session or f"s{next(_seq)}", cart=None)
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


def complete(order: Order, days_ago: int = 8) -> None:
    """What the orders completion job does once the after-sales window has passed."""
    Order.objects.filter(pk=order.pk).update(
        state=Order.State.COMPLETED, delivered_at=clock.now() - dt.timedelta(days=days_ago),
        completed_at=clock.now())
