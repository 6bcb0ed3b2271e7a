"""Customer binding: which leader a buyer's orders are attributed to (share
links, invite codes, sign-in, operator rebinding). Each public function is one
transaction; the effective attribution is written to the buyer's cart, which
placement snapshots (decision 0002)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from shequn.checkout.models import Cart
from shequn.core import audit, clock
from shequn.distribution import conf
from shequn.distribution.applications import (
    clean_reason,
    inviter_by_code,
    require_operator,
    signed_in,
)
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import (
    CHANNELS,
    BindingChange,
    CustomerBinding,
    LeaderProfile,
)

log = logging.getLogger(__name__)

Status = LeaderProfile.Status


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
    buyer = signed_in(buyer)
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
    profile = inviter_by_code(code)
    return touch(buyer=buyer, leader=profile, shop=None, channel="code", cart=cart)


@transaction.atomic
def on_sign_in(user: Any, cart: Any) -> BindingOutcome | None:
    """After sign-in: the anonymous cart's attribution (from a share link) is a
    touch for ``user``; the policy decides, and the cart then carries the
    effective attribution (the existing binding when it cannot be taken)."""
    user = signed_in(user)
    if user is None or cart is None:
        return None
    if cart.leader_id is not None:
        channel = cart.attribution_channel if cart.attribution_channel in CHANNELS else "link"
        return touch(buyer=user, leader=cart.leader_id, shop=None, channel=channel, cart=cart)
    binding = CustomerBinding.objects.select_related("leader", "leader__shop").filter(
        buyer=user).first()
    return _outcome_from_binding("kept", binding, cart, user.pk, clear_if_none=False)


@transaction.atomic
def before_checkout(buyer: Any, cart: Any) -> bool:
    """Just before placement: a cart carrying the leader of the buyer's binding
    is cleared when that binding no longer attributes (lapsed under "days", or
    the leader's shop closed). The cart got its leader when the binding was made
    and placement snapshots the cart, so without this a lapsed leader was paid
    on the sale. Does not touch the binding (no renewal) or any other cart, and
    leaves a live attribution as it is. True when the attribution was cleared."""
    buyer = signed_in(buyer)
    if buyer is None or cart is None or cart.leader_id is None:
        return False
    binding = (CustomerBinding.objects.select_related("leader", "leader__shop")
               .filter(buyer_id=buyer.pk).first())
    if binding is None or binding.leader.user_id != cart.leader_id \
            or _effective(binding) is not None:
        return False
    _write_cart(cart, buyer.pk, None, None, "")
    return True


@transaction.atomic
def rebind_by_operator(buyer: Any, leader_profile_id: int, actor: Any,
                       reason: str) -> CustomerBinding:
    """更换团长: an operator moves a buyer to another leader (dispute resolution).
    Placed orders keep their leader; the change is in the history and audit log.
    The buyer's carts follow at once (placement snapshots the cart's leader)."""

    require_operator(actor)
    reason = clean_reason(reason)
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
