"""Leader applications and decisions, and the recruitment tree they write.
Each public function is one transaction.

Money never follows the recruitment tree (《禁止传销条例》 Art. 7): the tree is
written once at approval for team views only, and joining costs nothing and
needs no purchase."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from shequn.accounts import roles
from shequn.accounts.errors import AccountError
from shequn.accounts.phones import normalize_phone
from shequn.checkout.models import Cart
from shequn.core import audit, clock, pii
from shequn.core.errors import DomainError
from shequn.core.httpinput import has_control, without_controls
from shequn.distribution import conf
from shequn.distribution.codes import new_invite_code, normalize_code, path_ids, segment
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import (
    MAX_DEPTH,
    LeaderProfile,
    LeaderStatusChange,
)
from shequn.shops import services as shops
from shequn.shops.errors import ShopError
from shequn.shops.models import Shop

log = logging.getLogger(__name__)

Status = LeaderProfile.Status
Grade = LeaderProfile.Grade

_NAME_RE = re.compile(r"^[^\d<>@/\\:;\"'`]{2,30}$")
_SLUG_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def signed_in(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) and user.is_active else None


def require_operator(actor: Any) -> None:
    if not roles.has_role(actor, roles.OPERATOR):
        raise DistributionError.NOT_OPERATOR.error()


def clean_reason(reason: str) -> str:
    s = " ".join(without_controls(reason or "").split())
    if not s or len(s) > 200 or "<" in s or ">" in s:
        raise DistributionError.REASON_REQUIRED.error()
    return s


def _clean_application(real_name: str, phone: str, region: str, reason: str
                       ) -> tuple[str, str, str, str]:

    name = " ".join((real_name or "").split())
    if not _NAME_RE.match(name) or has_control(name):
        raise DistributionError.INVALID_REAL_NAME.error()
    try:
        mobile = normalize_phone(phone)
    except DomainError as err:
        if err.code == AccountError.INVALID_PHONE:
            raise DistributionError.INVALID_PHONE.error() from None
        raise
    reg = " ".join((region or "").split())
    if not reg or len(reg) > 60 or "<" in reg or ">" in reg or has_control(reg):
        raise DistributionError.INVALID_REGION.error()
    why = (reason or "").strip()
    if len(why) > 500 or "<" in why or ">" in why or has_control(why, "\n\r\t"):
        raise DistributionError.INVALID_REASON.error()
    return name, mobile, reg, why


def inviter_by_code(raw: str) -> LeaderProfile:
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
                                      actor=actor if signed_in(actor) else None, reason=reason,
                                      at=clock.now())


def lock_profile(profile_id: int) -> LeaderProfile:
    profile = (LeaderProfile.objects.select_for_update(of=("self",))
               .select_related("user", "shop").filter(pk=profile_id).first())
    if profile is None:
        raise DistributionError.APPLICATION_NOT_FOUND.error()
    return profile


def _free_slug() -> str:

    for _ in range(20):
        slug = "m" + "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(7))
        if not Shop.objects.filter(slug=slug).exists():
            return slug
    raise RuntimeError("no free shop slug after 20 tries")


def _open_shop(profile: LeaderProfile, actor: Any) -> Any:
    """The leader's micro-shop: an existing one of theirs, else a new one."""

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

    return Cart.objects.filter(leader_id=user_id).update(
        leader=None, shop=None, attributed_at=None, attribution_channel="")


def _approve(profile: LeaderProfile, actor: Any, reason: str) -> LeaderProfile:
    old = profile.status
    _place_in_tree(profile)
    now = clock.now()
    profile.status = Status.APPROVED
    profile.invite_code = profile.invite_code or _new_code()
    profile.decided_at, profile.decision_reason = now, reason
    profile.decided_by = actor if signed_in(actor) else None
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
    user = signed_in(user)
    if user is None:
        raise DistributionError.NOT_SIGNED_IN.error()
    name, mobile, region, why = _clean_application(real_name, phone, region, reason)
    code = ""
    if (invite_code or "").strip():
        inviter = inviter_by_code(invite_code)
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
    require_operator(actor)
    reason = clean_reason(reason)
    profile = lock_profile(profile_id)
    if profile.user_id == actor.pk:
        raise DistributionError.SELF_DECISION.error()
    if profile.status != Status.PENDING:
        raise DistributionError.INVALID_TRANSITION.error(
            current=profile.status, action="approve")
    return _approve(profile, actor, reason)


def _decide(profile_id: int, actor: Any, reason: str, action: str, allowed: set[str],
            to: str) -> tuple[LeaderProfile, str]:
    require_operator(actor)
    reason = clean_reason(reason)
    profile = lock_profile(profile_id)
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

