"""Buyer sign-in by phone + one-time code; the session cookie carries the login."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.utils import check_csrf

from shequn.accounts import services
from shequn.accounts.phones import normalize_phone
from shequn.accounts.selectors import user_roles
from shequn.accounts.sms import DELAYED, SimulatedSms, is_simulator
from shequn.api.schemas import Error
from shequn.core.errors import CommonError
from shequn.core.netaddr import client_ip
from shequn.distribution.hooks import after_sign_in

router = Router(tags=["auth"])


class OtpRequestIn(Schema):
    phone: str


class OtpRequestOut(Schema):
    sent: bool
    # The SMS provider did not answer in time: the code may arrive late (it is
    # not sent again); ask the buyer to wait before requesting another.
    delayed: bool = False
    demo_code: str | None = None


class OtpVerifyIn(Schema):
    phone: str
    code: str


class AuthMeOut(Schema):
    user_id: int
    username: str
    phone: str
    display_name: str
    roles: list[str]


class VerifyOut(Schema):
    user_id: int
    phone: str


class LogoutOut(Schema):
    signed_out: bool


def _csrf(request: HttpRequest) -> None:
    # Signing in changes the session, so refuse cross-site posts (login CSRF).
    if check_csrf(request) is not None:
        raise CommonError.FORBIDDEN.error(reason="csrf")


@router.post("/otp/request", response={202: OtpRequestOut, 422: Error, 429: Error, 503: Error})
def otp_request(request: HttpRequest, body: OtpRequestIn):
    status = services.request_code(body.phone, client_ip(request))
    demo = None
    # The code is shown only in the demo; staging reads it in the staff-only
    # SMS inbox, production sends real messages.
    if settings.SHEQUN_ENV == "demo" and is_simulator():
        demo = SimulatedSms.last_code(normalize_phone(body.phone))
    return 202, {"sent": True, "delayed": status == DELAYED, "demo_code": demo}


@router.post("/otp/verify", response={200: VerifyOut, 401: Error, 403: Error, 429: Error})
def otp_verify(request: HttpRequest, body: OtpVerifyIn):
    _csrf(request)
    user = services.verify_code(body.phone, body.code, client_ip(request))
    services.sign_in(request, user)
    after_sign_in(request.session, user)  # customer binding (decision 0002)
    return {"user_id": user.pk, "phone": user.phone_masked}


@router.get("/me", response={200: AuthMeOut, 401: Error})
def me(request: HttpRequest):
    user = request.user
    if not user.is_authenticated:
        raise CommonError.AUTH_REQUIRED.error()
    return {"user_id": user.pk, "username": user.username, "phone": user.phone_masked,
            "display_name": user.display_name, "roles": sorted(user_roles(user))}


@router.post("/logout", response={200: LogoutOut, 403: Error})
def logout(request: HttpRequest):
    _csrf(request)
    services.sign_out(request)
    return {"signed_out": True}
