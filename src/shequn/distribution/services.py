"""Leader applications and decisions, the recruitment tree, grades and customer
binding. Each public function is one transaction.

Money never follows the recruitment tree (《禁止传销条例》 Art. 7): the tree is
written once at approval for team views only, grades use a leader's own sales
and service only, and joining costs nothing and needs no purchase."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Greatest

from shequn.accounts import roles
from shequn.accounts.errors import AccountError
from shequn.core import audit, clock, pii
from shequn.core.errors import DomainError
from shequn.distribution import conf
from shequn.distribution.codes import new_invite_code, normalize_code, path_ids, segment
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import (
    CHANNELS,
    MAX_DEPTH,
    BindingChange,
    CustomerBinding,
    LeaderProfile,
    LeaderStatusChange,
)

log = logging.getLogger(__name__)

Status = LeaderProfile.Status
Grade = LeaderProfile.Grade

_NAME_RE = re.compile(r"^[^\d<>@/\\:;\"'`]{2,30}$")
_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


# --------------------------------------------------------------------------- helpers

def _signed_in(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) and user.is_active else None


def _require_operator(actor: Any) -> None:
    if not roles.has_role(actor, roles.OPERATOR):
        raise DistributionError.NOT_OPERATOR.error()


def _clean_reason(reason: str) -> str:
    s = " ".join((reason or "").split())
    if not s or len(s) > 200 or "<" in s or ">" in s:
        raise DistributionError.REASON_REQUIRED.error()
    return s


def _clean_application(real_name: str, phone: str, region: str, reason: str
                       ) -> tuple[str, str, str, str]:
    from shequn.accounts.services import normalize_phone

    name = " ".join((real_name or "").split())
    if not _NAME_RE.match(name):
        raise DistributionError.INVALID_REAL_NAME.error()
    try:
        mobile = normalize_phone(phone)
    except DomainError as err:
        if err.code == AccountError.INVALID_PHONE:
            raise DistributionError.INVALID_PHONE.error() from None
        raise
    reg = " ".join((region or "").split())
    if not reg or len(reg) > 60 or "<" in reg or ">" in reg:
        raise DistributionError.INVALID_REGION.error()
    why = (reason or "").strip()
    if len(why) > 500 or "<" in why or ">" in why:
        raise DistributionError.INVALID_REASON.error()
    return name, mobile, reg, why


def _inviter_by_code(raw: str) -> LeaderProfile:
    """The approved leader whose invite code is ``raw``; forged/unknown codes refused."""
    code = normalize_code(raw)
    inviter = None
    if code is not None:
        inviter = LeaderProfile.objects.filter(invite_code=code).first()
    if inviter is None or inviter.status != Status.APPROVED:
        log.info("invite code refused")
        raise DistributionError.INVALID_INVITE_CODE.error()
    return inviter


def _history(profile: LeaderProfile, old: str, actor: Any, reason: str) -> None:
    LeaderStatusChange.objects.create(profile=profile, from_status=old, to_status=profile.status,
                                      actor=actor if _signed_in(actor) else None, reason=reason,
                                      at=clock.now())


def _lock(profile_id: int) -> LeaderProfile:
    profile = (LeaderProfile.objects.select_for_update(of=("self",))
               .select_related("user", "shop").filter(pk=profile_id).first())
    if profile is None:
        raise DistributionError.APPLICATION_NOT_FOUND.error()
    return profile


def _free_slug() -> str:
    from shequn.shops.models import Shop

    for _ in range(20):
        slug = "m" + "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(7))
        if not Shop.objects.filter(slug=slug).exists():
            return slug
    raise RuntimeError("no free shop slug after 20 tries")


def _open_shop(profile: LeaderProfile, actor: Any) -> Any:
    """The leader's micro-shop: an existing one of theirs, else a new one."""
    from shequn.shops import services as shops
    from shequn.shops.errors import ShopError
    from shequn.shops.models import Shop

    shop = Shop.objects.filter(owner=profile.user).order_by("id").first()
    if shop is not None:
        if not shop.active:
            shops.set_shop_active(shop, actor or profile.user, True)
        return shop
    # A public name: the account's display name, else the surname only (the
    # real name is personal data and never shown in full).
    display = getattr(profile.user, "display_name", "") or ""
    name = display or f"{profile.real_name_masked.replace('*', '')}的小店"
    for _ in range(3):
        try:
            return shops.create_shop(profile.user, _free_slug(), name)
        except DomainError as err:
            if err.code != ShopError.SLUG_TAKEN:
                raise
    raise RuntimeError("could not create a shop")


def _new_code() -> str:
    for _ in range(20):
        code = new_invite_code()
        if not LeaderProfile.objects.filter(invite_code=code).exists():
            return code
    raise RuntimeError("no free invite code after 20 tries")


def _place_in_tree(profile: LeaderProfile) -> None:
    """Set inviter, path and depth once and bump the ancestors' team counters.

    Ancestors are locked in id order (an inviter is always older than its
    invitee, so ids rise along a path) to avoid deadlocks between approvals."""
    own = segment(profile.pk)
    if not profile.invite_code_used:
        profile.inviter, profile.path, profile.depth = None, own, 0
        return
    code = normalize_code(profile.invite_code_used)
    inviter = LeaderProfile.objects.filter(invite_code=code).first() if code else None
    if inviter is not None and (inviter.pk == profile.pk or inviter.user_id == profile.user_id):
        raise DistributionError.SELF_INVITATION.error()
    if inviter is None or not inviter.path:
        raise DistributionError.INVALID_INVITE_CODE.error()
    ancestor_ids = path_ids(inviter.path)
    if profile.pk in ancestor_ids:
        raise DistributionError.INVITATION_LOOP.error()
    if inviter.depth + 1 > MAX_DEPTH:
        raise DistributionError.TREE_TOO_DEEP.error()
    depth = inviter.depth + 1
    list(LeaderProfile.objects.select_for_update().filter(pk__in=ancestor_ids)
         .order_by("pk").values_list("pk", flat=True))
    LeaderProfile.objects.filter(pk__in=ancestor_ids).update(
        team_size=F("team_size") + 1,
        team_depth=Greatest(F("team_depth"), Value(depth) - F("depth")))
    profile.inviter, profile.path, profile.depth = inviter, inviter.path + own, depth


def _clear_carts(user_id: int) -> int:
    """Carts attributed to a leader who stopped attributing lose that attribution
    (placement snapshots the cart's leader without asking us)."""
    from shequn.checkout.models import Cart

    return Cart.objects.filter(leader_id=user_id).update(
        leader=None, shop=None, attributed_at=None, attribution_channel="")


def _approve(profile: LeaderProfile, actor: Any, reason: str) -> LeaderProfile:
    old = profile.status
    _place_in_tree(profile)
    now = clock.now()
    profile.status = Status.APPROVED
    profile.invite_code = profile.invite_code or _new_code()
    profile.decided_at, profile.decision_reason = now, reason
    profile.decided_by = actor if _signed_in(actor) else None
    profile.status_changed_at = now
    profile.grade, profile.grade_at = Grade.TRAINEE, now
    roles.grant(profile.user, roles.LEADER)
    profile.shop = _open_shop(profile, actor)
    profile.save()
    _history(profile, old, actor, reason)
    audit.record(actor, "leader.approve", profile, reason=reason, user=profile.user_id,
                 inviter=profile.inviter_id or "")
    return profile


# --------------------------------------------------------------------------- applications

@transaction.atomic
def apply(user: Any, *, real_name: str, phone: str, region: str, reason: str = "",
          invite_code: str = "") -> LeaderProfile:
    """Any signed-in account applies to become a leader. Free: no fee, no purchase,
    no spending threshold (入门费 is forbidden, 《禁止传销条例》 Art. 7(2)).
    With ``LEADER_OPEN_JOIN`` the application is approved at once."""
    user = _signed_in(user)
    if user is None:
        raise DistributionError.NOT_SIGNED_IN.error()
    name, mobile, region, why = _clean_application(real_name, phone, region, reason)
    code = ""
    if (invite_code or "").strip():
        inviter = _inviter_by_code(invite_code)
        if inviter.user_id == user.pk:
            raise DistributionError.SELF_INVITATION.error()
        code = inviter.invite_code or ""
    now = clock.now()
    fields = {
        "real_name_enc": pii.encrypt(name), "real_name_masked": pii.mask_name(name),
        "phone_enc": pii.encrypt(mobile), "phone_hash": pii.lookup_hash(mobile),
        "phone_masked": pii.mask_phone(mobile), "region": region, "reason": why,
        "invite_code_used": code, "applied_at": now, "status_changed_at": now,
    }
    profile = LeaderProfile.objects.select_for_update().filter(user=user).first()
    if profile is not None:
        if profile.status != Status.REJECTED:
            raise DistributionError.ALREADY_APPLIED.error()
        old = profile.status
        for k, v in fields.items():
            setattr(profile, k, v)
        profile.status = Status.PENDING
        profile.decided_at, profile.decided_by, profile.decision_reason = None, None, ""
        profile.save()
    else:
        old = ""
        try:
            with transaction.atomic():
                profile = LeaderProfile.objects.create(user=user, status=Status.PENDING,
                                                       **fields)
        except IntegrityError:  # a parallel application by the same user
            raise DistributionError.ALREADY_APPLIED.error() from None
    _history(profile, old, user, "apply")
    audit.record(user, "leader.apply", profile, phone=profile.phone_masked,
                 invited=bool(code))
    if conf.open_join():
        profile.user = user
        _approve(profile, None, "open_join")
    return profile


@transaction.atomic
def approve(profile_id: int, actor: Any, reason: str) -> LeaderProfile:
    """Operator approves a pending application: LEADER role, a micro-shop, an
    invite code and the (fixed) place in the recruitment tree."""
    _require_operator(actor)
    reason = _clean_reason(reason)
    profile = _lock(profile_id)
    if profile.user_id == actor.pk:
        raise DistributionError.SELF_DECISION.error()
    if profile.status != Status.PENDING:
        raise DistributionError.INVALID_TRANSITION.error(
            current=profile.status, action="approve")
    return _approve(profile, actor, reason)


def _decide(profile_id: int, actor: Any, reason: str, action: str, allowed: set[str],
            to: str) -> tuple[LeaderProfile, str]:
    _require_operator(actor)
    reason = _clean_reason(reason)
    profile = _lock(profile_id)
    if profile.user_id == actor.pk:
        raise DistributionError.SELF_DECISION.error()
    if profile.status not in allowed:
        raise DistributionError.INVALID_TRANSITION.error(current=profile.status, action=action)
    old = profile.status
    now = clock.now()
    profile.status, profile.status_changed_at = to, now
    profile.decided_at, profile.decided_by, profile.decision_reason = now, actor, reason
    profile.save(update_fields=["status", "status_changed_at", "decided_at", "decided_by",
                                "decision_reason"])
    _history(profile, old, actor, reason)
    audit.record(actor, f"leader.{action}", profile, reason=reason, user=profile.user_id,
                 from_status=old)
    return profile, old


def _stop_attributing(profile: LeaderProfile, actor: Any) -> None:
    from shequn.shops import services as shops

    roles.revoke(profile.user, roles.LEADER)
    if profile.shop is not None and profile.shop.active:
        shops.set_shop_active(profile.shop, actor, False)
    _clear_carts(profile.user_id)


@transaction.atomic
def reject(profile_id: int, actor: Any, reason: str) -> LeaderProfile:
    profile, _ = _decide(profile_id, actor, reason, "reject", {Status.PENDING},
                         Status.REJECTED)
    return profile


@transaction.atomic
def freeze(profile_id: int, actor: Any, reason: str) -> LeaderProfile:
    """Suspend a leader: shop closed, LEADER role removed, bindings and carts stop
    attributing to them until unfrozen."""
    profile, _ = _decide(profile_id, actor, reason, "freeze", {Status.APPROVED}, Status.FROZEN)
    _stop_attributing(profile, actor)
    return profile


@transaction.atomic
def unfreeze(profile_id: int, actor: Any, reason: str) -> LeaderProfile:
    from shequn.shops import services as shops

    profile, _ = _decide(profile_id, actor, reason, "unfreeze", {Status.FROZEN},
                         Status.APPROVED)
    roles.grant(profile.user, roles.LEADER)
    if profile.shop is not None and not profile.shop.active:
        shops.set_shop_active(profile.shop, actor, True)
    return profile


@transaction.atomic
def terminate(profile_id: int, actor: Any, reason: str) -> LeaderProfile:
    """End the leader relationship for good (解约). The tree keeps its history."""
    profile, _ = _decide(profile_id, actor, reason, "terminate",
                         {Status.APPROVED, Status.FROZEN}, Status.TERMINATED)
    _stop_attributing(profile, actor)
    return profile


def may_access_earnings(user: Any) -> bool:
    """Earnings, balances and withdrawal requests stay open after the LEADER role
    is gone: a terminated leader's pending lines still settle into money that is
    theirs. Open to the LEADER role, to any leader profile except a frozen one
    (commission refuses a frozen leader's withdrawals anyway), and to anyone
    with commission postings."""
    from shequn.commission.models import Posting

    if _signed_in(user) is None:
        return False
    if roles.has_role(user, roles.LEADER):
        return True
    if LeaderProfile.objects.filter(user_id=user.pk).exclude(status=Status.FROZEN).exists():
        return True
    return Posting.objects.filter(leader_id=user.pk).exists()


# --------------------------------------------------------------------------- grades

@dataclass(frozen=True)
class GradeStats:
    """A leader's OWN attributed orders in the window (never their team's)."""

    orders: int = 0
    gmv: Decimal = Decimal("0.00")
    refunded: int = 0

    @property
    def refund_rate(self) -> Decimal:
        total = self.orders + self.refunded
        return Decimal(self.refunded) / Decimal(total) if total else Decimal(0)


def grade_for(stats: GradeStats, rules: list[conf.GradeRule]) -> str:
    """Pure rule: the highest grade whose own-sales and service thresholds are met."""
    for rule in rules:
        if (stats.orders >= rule.orders and stats.gmv >= rule.gmv
                and stats.refund_rate <= rule.max_refund_rate):
            return rule.grade
    return Grade.TRAINEE


def _stats_by_leader(user_ids: list[int] | None) -> dict[int, GradeStats]:
    from shequn.orders.models import Order

    since = clock.now() - dt.timedelta(days=conf.grade_window_days())
    paid = [Order.State.PAID, Order.State.ON_HOLD, Order.State.SHIPPED, Order.State.DELIVERED,
            Order.State.COMPLETED]
    qs = Order.objects.filter(leader__isnull=False, paid_at__gte=since)
    if user_ids is not None:
        qs = qs.filter(leader_id__in=user_ids)
    rows = qs.values("leader_id").annotate(
        n=Count("id", filter=Q(state__in=paid)),
        gmv=Sum("goods_value", filter=Q(state__in=paid)),
        refunded=Count("id", filter=Q(state=Order.State.REFUNDED)))
    return {r["leader_id"]: GradeStats(orders=r["n"], gmv=r["gmv"] or Decimal("0.00"),
                                       refunded=r["refunded"]) for r in rows}


@transaction.atomic
def recompute_grade(profile_id: int) -> LeaderProfile:
    profile = _lock(profile_id)
    if profile.status != Status.APPROVED:
        return profile
    stats = _stats_by_leader([profile.user_id]).get(profile.user_id, GradeStats())
    grade = grade_for(stats, conf.grade_rules())
    if grade != profile.grade:
        old = profile.grade
        profile.grade, profile.grade_at = grade, clock.now()
        profile.save(update_fields=["grade", "grade_at"])
        audit.record(None, "leader.grade", profile, old=old, new=grade, orders=stats.orders,
                     gmv=stats.gmv)
    return profile


@transaction.atomic
def recompute_all_grades() -> int:
    """Recompute every approved leader's grade with one aggregate query; returns
    how many grades changed."""
    rules = conf.grade_rules()
    stats = _stats_by_leader(None)
    changes: dict[str, list[int]] = {}
    rows = (LeaderProfile.objects.filter(status=Status.APPROVED)
            .values_list("pk", "user_id", "grade").iterator(chunk_size=5000))
    for pk, user_id, current in rows:
        grade = grade_for(stats.get(user_id, GradeStats()), rules)
        if grade != current:
            changes.setdefault(grade, []).append(pk)
    now = clock.now()
    for grade, ids in changes.items():
        for i in range(0, len(ids), 5000):
            LeaderProfile.objects.filter(pk__in=ids[i:i + 5000]).update(grade=grade, grade_at=now)
    return sum(len(ids) for ids in changes.values())


def grades_job() -> int:
    """Periodic job: recompute all grades at most every LEADER_GRADE_INTERVAL_SECONDS
    (the worker loop calls jobs every few seconds; the cache key is the throttle)."""
    if not cache.add("distribution:grades_job", 1, timeout=conf.grade_interval_seconds()):
        return 0
    return recompute_all_grades()


# --------------------------------------------------------------------------- binding

@dataclass(frozen=True)
class BindingOutcome:
    """What a touch did. ``result``: bound | rebound | renewed | kept | refused |
    anonymous. ``leader_id`` / ``shop_id`` / ``channel`` is the effective
    attribution written to the cart (None: the cart was left alone or cleared)."""

    result: str
    binding: CustomerBinding | None = None
    refused: DistributionError | None = None
    leader_id: int | None = None
    shop_id: int | None = None
    channel: str = ""

    @property
    def changed(self) -> bool:
        return self.result in ("bound", "rebound", "renewed")


def _attributes(profile: LeaderProfile | None) -> bool:
    return (profile is not None and profile.status == Status.APPROVED
            and profile.shop is not None and profile.shop.active)


def _write_cart(cart: Any, buyer_id: int | None, leader_id: int | None, shop_id: int | None,
                channel: str) -> None:
    if cart is None or (cart.user_id is not None and cart.user_id != buyer_id):
        return  # never touch someone else's cart
    now = clock.now() if leader_id is not None else None
    type(cart).objects.filter(pk=cart.pk).update(
        leader_id=leader_id, shop_id=shop_id, attributed_at=now,
        attribution_channel=channel if leader_id is not None else "")
    cart.leader_id, cart.shop_id, cart.attributed_at = leader_id, shop_id, now
    cart.attribution_channel = channel if leader_id is not None else ""


def _lapsed(binding: CustomerBinding, policy: conf.BindingPolicy, now: dt.datetime) -> bool:
    return policy.mode == "days" and now >= binding.bound_at + dt.timedelta(days=policy.days)


def _effective(binding: CustomerBinding | None) -> tuple[int, int, str] | None:
    """(leader user id, shop id, channel) the binding attributes to, if any: the
    leader is approved with an open shop and, under "days", it has not lapsed."""
    if binding is None or not _attributes(binding.leader):
        return None
    if _lapsed(binding, conf.binding_policy(), clock.now()):
        return None
    profile = binding.leader
    assert profile.shop is not None
    return profile.user_id, profile.shop.pk, binding.channel


def _rebind_reason(binding: CustomerBinding | None, profile: LeaderProfile,
                   policy: conf.BindingPolicy, now: dt.datetime) -> str | None:
    """Why the touch by ``profile`` (re)binds the buyer, or None to keep the binding."""
    if binding is None:
        return "first"
    lapsed = _lapsed(binding, policy, now)
    if binding.leader_id == profile.pk:
        return "renewed" if lapsed else None
    if not _attributes(binding.leader):
        return "leader_inactive"
    if policy.mode == "permanent":
        return None
    if policy.mode == "days":
        return "expired" if lapsed else None
    if now < binding.bound_at + dt.timedelta(days=policy.protection_days):
        return None  # 保护期: cannot be taken
    return "last_touch"


def _binding_for_update(buyer_id: int) -> CustomerBinding | None:
    return (CustomerBinding.objects.select_for_update(of=("self",))
            .select_related("leader", "leader__shop").filter(buyer_id=buyer_id).first())


def _binding_loop(buyer_id: int, leader_user_id: int) -> bool:
    """True when the leader is bound as a customer of the buyer, who is a leader
    too (A is B's customer and B would become A's): a binding loop, refused.

    Only a buyer with an approved or frozen (may return) profile can have live
    customers. Both profiles are then locked in id order, so the two opposite
    touches at once cannot both pass; they are never pending, so this cannot
    cross approve()'s locks."""
    live = (Status.APPROVED, Status.FROZEN)
    if not LeaderProfile.objects.filter(user_id=buyer_id, status__in=live).exists():
        return False
    list(LeaderProfile.objects.select_for_update()
         .filter(user_id__in=(buyer_id, leader_user_id), status__in=live)
         .order_by("pk").values_list("pk", flat=True))
    return CustomerBinding.objects.filter(buyer_id=leader_user_id,
                                          leader__user_id=buyer_id).exists()


def _leader_profile(leader: Any) -> tuple[int, LeaderProfile | None]:
    if isinstance(leader, LeaderProfile):
        user_id = leader.user_id
    elif isinstance(leader, int):
        user_id = leader
    else:
        user_id = leader.pk
    profile = LeaderProfile.objects.select_related("shop").filter(user_id=user_id).first()
    return user_id, profile


def _outcome_from_binding(result: str, binding: CustomerBinding | None, cart: Any,
                          buyer_id: int, refused: DistributionError | None = None,
                          clear_if_none: bool = True) -> BindingOutcome:
    eff = _effective(binding)
    if eff is not None:
        _write_cart(cart, buyer_id, *eff)
        return BindingOutcome(result, binding, refused, eff[0], eff[1], eff[2])
    if clear_if_none:
        _write_cart(cart, buyer_id, None, None, "")
    return BindingOutcome(result, binding, refused)


@transaction.atomic
def touch(*, buyer: Any, leader: Any, shop: Any = None, channel: str,
          cart: Any = None) -> BindingOutcome:
    """A buyer met a leader through a share link, poster or invite code.

    Applies ``BINDING_POLICY`` (permanent | days | last_touch with 保护期), keeps
    every change in ``BindingChange``, then writes the EFFECTIVE attribution (the
    bound leader, their shop, the binding's channel) onto ``cart``. Orders already
    placed keep the leader they snapshotted. A leader touching themself is
    refused (``self_binding``), and so is a leader touching a leader who is their
    own customer (``binding_loop``); both change nothing. ``leader`` is the leader's
    User (or LeaderProfile or user id); ``buyer`` may be anonymous (no binding,
    the cart follows the touched leader)."""
    if channel not in CHANNELS:
        raise DistributionError.INVALID_CHANNEL.error(channel=channel)
    leader_user_id, profile = _leader_profile(leader)
    if shop is not None and shop.owner_id != leader_user_id:
        raise DistributionError.SHOP_MISMATCH.error()
    buyer = _signed_in(buyer)
    if buyer is None:
        if _attributes(profile):
            assert profile is not None and profile.shop is not None
            _write_cart(cart, None, leader_user_id, profile.shop.pk, channel)
            return BindingOutcome("anonymous", None, None, leader_user_id, profile.shop.pk,
                                  channel)
        return BindingOutcome("anonymous", refused=DistributionError.NOT_A_LEADER)
    if buyer.pk == leader_user_id:
        log.info("self-binding refused (leader user %s)", buyer.pk)
        binding = _binding_for_update(buyer.pk)
        return _outcome_from_binding("refused", binding, cart, buyer.pk,
                                     DistributionError.SELF_BINDING)
    if _binding_loop(buyer.pk, leader_user_id):
        log.info("binding loop refused (buyer %s, leader user %s)", buyer.pk, leader_user_id)
        binding = _binding_for_update(buyer.pk)
        return _outcome_from_binding("refused", binding, cart, buyer.pk,
                                     DistributionError.BINDING_LOOP)
    binding = _binding_for_update(buyer.pk)
    if profile is None or not _attributes(profile):
        # Not (or no longer) an active network leader: nothing to bind. A leader
        # without a profile (role granted by hand) keeps the share link's own
        # attribution unless the buyer is bound elsewhere.
        return _outcome_from_binding("refused", binding, cart, buyer.pk,
                                     DistributionError.NOT_A_LEADER,
                                     clear_if_none=profile is not None)
    policy = conf.binding_policy()
    now = clock.now()
    reason = _rebind_reason(binding, profile, policy, now)
    if binding is None:
        try:
            with transaction.atomic():
                binding = CustomerBinding.objects.create(
                    buyer=buyer, leader=profile, channel=channel, bound_at=now,
                    last_touch_at=now)
        except IntegrityError:  # a parallel first touch won: apply the policy to it
            binding = _binding_for_update(buyer.pk)
            assert binding is not None
            reason = _rebind_reason(binding, profile, policy, now)
        else:
            BindingChange.objects.create(buyer=buyer, old_leader=None, new_leader=profile,
                                         channel=channel, reason="first", at=now)
            return _outcome_from_binding("bound", binding, cart, buyer.pk)
    if reason is None:
        if binding.leader_id == profile.pk:
            CustomerBinding.objects.filter(pk=binding.pk).update(last_touch_at=now)
        return _outcome_from_binding("kept", binding, cart, buyer.pk)
    old_leader_id = binding.leader_id
    binding.leader, binding.channel, binding.bound_at, binding.last_touch_at = (
        profile, channel, now, now)
    binding.save(update_fields=["leader", "channel", "bound_at", "last_touch_at"])
    BindingChange.objects.create(buyer=buyer, old_leader_id=old_leader_id, new_leader=profile,
                                 channel=channel, reason=reason, at=now)
    result = "renewed" if reason == "renewed" else "rebound"
    return _outcome_from_binding(result, binding, cart, buyer.pk)


@transaction.atomic
def bind_by_code(*, buyer: Any, code: str, cart: Any = None) -> BindingOutcome:
    """A buyer typed a leader's invite code (channel "code"); forged codes refused."""
    profile = _inviter_by_code(code)
    return touch(buyer=buyer, leader=profile, shop=None, channel="code", cart=cart)


@transaction.atomic
def on_sign_in(user: Any, cart: Any) -> BindingOutcome | None:
    """After sign-in: the anonymous cart's attribution (from a share link) is a
    touch for ``user``; the policy decides, and the cart then carries the
    effective attribution (the existing binding when it cannot be taken)."""
    user = _signed_in(user)
    if user is None or cart is None:
        return None
    if cart.leader_id is not None:
        channel = cart.attribution_channel if cart.attribution_channel in CHANNELS else "link"
        return touch(buyer=user, leader=cart.leader_id, shop=None, channel=channel, cart=cart)
    binding = CustomerBinding.objects.select_related("leader", "leader__shop").filter(
        buyer=user).first()
    return _outcome_from_binding("kept", binding, cart, user.pk, clear_if_none=False)


@transaction.atomic
def rebind_by_operator(buyer: Any, leader_profile_id: int, actor: Any,
                       reason: str) -> CustomerBinding:
    """更换团长: an operator moves a buyer to another leader (dispute resolution).
    Placed orders keep their leader; the change is in the history and audit log.
    The buyer's carts follow at once (placement snapshots the cart's leader)."""
    from shequn.checkout.models import Cart

    _require_operator(actor)
    reason = _clean_reason(reason)
    profile = LeaderProfile.objects.select_related("shop").filter(pk=leader_profile_id).first()
    if not _attributes(profile):
        raise DistributionError.NOT_A_LEADER.error()
    assert profile is not None
    if profile.user_id == buyer.pk:
        raise DistributionError.SELF_BINDING.error()
    if _binding_loop(buyer.pk, profile.user_id):
        log.info("operator rebind loop refused (buyer %s, leader user %s)",
                 buyer.pk, profile.user_id)
        raise DistributionError.BINDING_LOOP.error()
    now = clock.now()
    binding = _binding_for_update(buyer.pk)
    old = binding.leader_id if binding is not None else None
    if binding is None:
        binding = CustomerBinding.objects.create(buyer=buyer, leader=profile, channel="code",
                                                 bound_at=now, last_touch_at=now)
    else:
        binding.leader, binding.bound_at = profile, now
        binding.save(update_fields=["leader", "bound_at"])
    BindingChange.objects.create(buyer=buyer, old_leader_id=old, new_leader=profile,
                                 channel=binding.channel, reason="operator", at=now)
    assert profile.shop is not None
    Cart.objects.filter(user_id=buyer.pk).update(
        leader_id=profile.user_id, shop_id=profile.shop.pk, attributed_at=now,
        attribution_channel=binding.channel)
    audit.record(actor, "binding.operator_rebind", binding, reason=reason,
                 old_leader=old or "", new_leader=profile.pk)
    return binding
