"""Leaders API (mounted at /v1/leaders): apply, my leader profile and team,
binding by invite code, and the operators' application queue and decisions.

A leader sees only their own profile and team; other profiles are for
operators. Personal data leaves masked."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from shequn.accounts import roles
from shequn.api.schemas import Error, Id, SmallInt, Text20, Text40, Text60, Text200, Text500
from shequn.distribution import applications as leaders
from shequn.distribution import binding, selectors
from shequn.distribution.errors import DistributionError
from shequn.distribution.models import LeaderProfile

router = Router(tags=["leaders"], auth=django_auth)


class ApplyIn(Schema):
    real_name: Text40
    phone: Text20
    region: Text60
    reason: Text500 = ""
    invite_code: Text40 = ""


class LeaderReasonIn(Schema):
    reason: Text200


class CodeIn(Schema):
    code: Text40


class InviteeOut(Schema):
    id: int
    name: str
    status: str
    grade: str
    joined_at: dt.datetime | None


class LeaderOut(Schema):
    id: int
    status: str
    status_label: str
    grade: str
    grade_label: str
    name: str
    phone: str
    region: str
    applied_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    invite_code: str | None
    invite_link: str
    shop_slug: str | None
    inviter: InviteeOut | None


class LeaderMeOut(LeaderOut):
    team_size: int
    team_depth: int
    direct_invitee_count: int
    direct_invitees: list[InviteeOut]


class ApplicationOut(LeaderOut):
    user_id: int
    reason: str
    invited: bool
    depth: int
    team_size: int


class BindOut(Schema):
    result: str
    refused: str | None
    leader_id: int | None
    shop_id: int | None
    channel: str


def _invitee(p: LeaderProfile) -> InviteeOut:
    return InviteeOut(id=p.pk, name=p.real_name_masked, status=p.status, grade=p.grade,
                      joined_at=p.decided_at if p.path else None)


def _leader_fields(p: LeaderProfile) -> dict:
    return {
        "id": p.pk, "status": p.status, "status_label": p.get_status_display(),
        "grade": p.grade, "grade_label": p.get_grade_display(), "name": p.real_name_masked,
        "phone": p.phone_masked, "region": p.region, "applied_at": p.applied_at,
        "decided_at": p.decided_at, "decision_reason": p.decision_reason,
        "invite_code": p.invite_code if p.status == LeaderProfile.Status.APPROVED else None,
        "invite_link": (selectors.invite_path(p)
                        if p.status == LeaderProfile.Status.APPROVED else ""),
        "shop_slug": p.shop.slug if p.shop is not None else None,
        "inviter": _invitee(p.inviter) if p.inviter is not None else None,
    }


def _application(p: LeaderProfile) -> ApplicationOut:
    return ApplicationOut(**_leader_fields(p), user_id=p.user_id, reason=p.reason,
                          invited=bool(p.invite_code_used), depth=p.depth,
                          team_size=p.team_size)


def _require_operator(request: HttpRequest) -> None:
    if not roles.has_role(request.user, roles.OPERATOR):
        raise DistributionError.NOT_OPERATOR.error()


def _fresh(profile_id: int) -> LeaderProfile:
    return LeaderProfile.objects.select_related("shop", "inviter").get(pk=profile_id)


def _limit(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, 100)), max(0, offset)


@router.post("/apply", response={201: LeaderOut, 401: Error, 409: Error, 422: Error})
def apply(request: HttpRequest, payload: ApplyIn):
    profile = leaders.apply(request.user, real_name=payload.real_name, phone=payload.phone,
                             region=payload.region, reason=payload.reason,
                             invite_code=payload.invite_code)
    return 201, LeaderOut(**_leader_fields(_fresh(profile.pk)))


@router.get("/me", response={200: LeaderMeOut, 404: Error, 422: Error})
def me(request: HttpRequest, limit: SmallInt = 20, offset: SmallInt = 0):
    profile = selectors.profile_for(request.user)
    if profile is None:
        raise DistributionError.APPLICATION_NOT_FOUND.error()
    limit, offset = _limit(limit, offset)
    return LeaderMeOut(**_leader_fields(profile), team_size=profile.team_size,
                 team_depth=profile.team_depth,
                 direct_invitee_count=selectors.direct_invitee_count(profile),
                 direct_invitees=[_invitee(p) for p in
                                  selectors.direct_invitees(profile, limit, offset)])


@router.post("/bind", response={200: BindOut, 422: Error})
def bind(request: HttpRequest, payload: CodeIn):
    """A signed-in buyer enters a leader's invite code (channel "code")."""
    from shequn.checkout.cart import cart_for_session

    cart = cart_for_session(request.session, request.user, create=True)
    out = binding.bind_by_code(buyer=request.user, code=payload.code, cart=cart)
    if out.refused == DistributionError.SELF_BINDING:
        raise DistributionError.SELF_BINDING.error()
    return BindOut(result=out.result, refused=out.refused.value if out.refused else None,
                   leader_id=out.leader_id, shop_id=out.shop_id, channel=out.channel)


# --------------------------------------------------------------------------- operators

@router.get("/applications", response={200: list[ApplicationOut], 403: Error, 422: Error})
def applications(request: HttpRequest, status: str = "pending", limit: SmallInt = 50,
                 offset: SmallInt = 0):
    _require_operator(request)
    limit, offset = _limit(limit, offset)
    wanted = status if status in LeaderProfile.Status.values else None
    return [_application(p) for p in selectors.applications(wanted, limit, offset)]


@router.get("/{int:profile_id}", response={200: ApplicationOut, 403: Error, 404: Error,
                                          422: Error})
def detail(request: HttpRequest, profile_id: Id):
    """Operators only: a leader reads their own data through /me."""
    _require_operator(request)
    profile = LeaderProfile.objects.select_related("shop", "inviter").filter(
        pk=profile_id).first()
    if profile is None:
        raise DistributionError.APPLICATION_NOT_FOUND.error()
    return _application(profile)


_ACTIONS = {
    "approve": leaders.approve,
    "reject": leaders.reject,
    "freeze": leaders.freeze,
    "unfreeze": leaders.unfreeze,
    "terminate": leaders.terminate,
}


@router.post("/{int:profile_id}/{action}",
             response={200: ApplicationOut, 403: Error, 404: Error, 409: Error, 422: Error})
def decide(request: HttpRequest, profile_id: Id, action: str, payload: LeaderReasonIn):
    fn = _ACTIONS.get(action)
    if fn is None:
        raise DistributionError.INVALID_TRANSITION.error(action=action[:20])
    fn(profile_id, request.user, payload.reason)
    return _application(_fresh(profile_id))
