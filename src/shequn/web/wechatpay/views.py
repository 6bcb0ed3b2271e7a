"""WeChat Pay pages and endpoints (payments/wechatpay).

- GET /pay/wechat/<checkout>/ — pays the checkout's next open payment in the
  scene the browser allows: JSAPI in WeChat (the openid the OAuth step left in
  ``session["wechat_openid"]``), H5 in other phone browsers, Native (QR code)
  on desktops; ``?scene=`` overrides for a buyer who knows better.
- POST /pay/wechat/notify, /pay/wechat/refund-notify — WeChat's signed
  notifications (server to server, csrf-exempt, authenticated by signature):
  204 when applied (or already applied), 4xx/5xx ``{"code":"FAIL","message":…}``
  when refused (nothing changed; WeChat retries).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shequn.core import netaddr, ratelimit
from shequn.core.errors import CommonError, DomainError
from shequn.payments import services
from shequn.payments.wechatpay import notify, provider
from shequn.payments.wechatpay.config import get_config

log = logging.getLogger("shequn.web.wechatpay")

OPENID_SESSION_KEY = "wechat_openid"  # set by the WeChat OAuth step
WINDOW_SECONDS = 60


def _orders_url(checkout_id: Any) -> str:
    return f"{reverse('store:orders')}?checkout={checkout_id}"


def _simulated() -> bool:
    cfg = get_config()
    return bool(settings.SHEQUN.get("SIMULATORS_MOUNTED")) and (
        cfg.in_process or "/wxpaysim" in cfg.base_url)


@login_required
@require_GET
def pay_page(request: HttpRequest, checkout_id: str) -> HttpResponse:
    payments = services.open_payments(checkout_id, request.user)
    if not payments:
        return redirect(_orders_url(checkout_id))
    payment = payments[0]
    openid = str(request.session.get(OPENID_SESSION_KEY, ""))
    scene = request.GET.get("scene", "")
    if scene not in provider.SCENES or (scene == "jsapi" and not openid):
        scene = provider.scene_for(request.headers.get("User-Agent", ""), openid)
    return_url = request.build_absolute_uri(_orders_url(checkout_id))
    try:
        prepared = provider.prepay(payment, scene, openid=openid,
                                   client_ip=netaddr.client_ip(request) or "",
                                   return_url=return_url)
    except DomainError as err:
        return render(request, "wechatpay/pay.html", {
            "error": err, "payment": payment, "payments": payments,
            "checkout_id": checkout_id}, status=err.status)
    if prepared.get("paid"):
        return redirect(_orders_url(checkout_id))
    if scene == "h5":
        return redirect(prepared["h5_url"])
    ctx: dict[str, Any] = {"payment": payment, "payments": payments, "scene": scene,
                           "checkout_id": checkout_id, "orders_url": _orders_url(checkout_id),
                           "simulated": _simulated()}
    if scene == "jsapi":
        ctx["params_json"] = prepared["params"]
    else:
        code_url = prepared["code_url"]
        ctx["code_url"] = code_url
        ctx["qr_uri"] = segno.make(code_url, error="m").svg_data_uri(scale=5)
        if ctx["simulated"]:
            ctx["scan_url"] = "/wxpaysim/scan/" + code_url.rpartition("pr=")[2] + "/"
    return render(request, "wechatpay/pay.html", ctx)


def _refusals_per_minute() -> int:
    return int(settings.SHEQUN.get("PAYMENT_NOTIFY_REFUSALS_PER_MINUTE", 30))


def _receive(request: HttpRequest, kind: str) -> HttpResponse:
    key = f"wxnotify:{netaddr.client_ip(request) or '-'}"
    if ratelimit.exceeded(key, _refusals_per_minute(), WINDOW_SECONDS):
        limited = CommonError.RATE_LIMITED.error()
        return HttpResponse(json.dumps({"code": "FAIL", "message": str(limited.message)},
                                       ensure_ascii=False), status=429,
                            content_type="application/json")
    status, payload, err = notify.answer(kind, request.body, request.headers)
    if err is not None:
        ratelimit.hit(key, _refusals_per_minute(), WINDOW_SECONDS)
        log.warning("wechatpay %s notification refused: %s (%d)", kind, err.code, status)
        return HttpResponse(json.dumps(payload, ensure_ascii=False), status=status,
                            content_type="application/json")
    return HttpResponse(status=204)


@csrf_exempt  # server to server; authenticated by WeChat's signature
@require_POST
def payment_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "transaction")


@csrf_exempt  # server to server; authenticated by WeChat's signature
@require_POST
def refund_notify(request: HttpRequest) -> HttpResponse:
    return _receive(request, "refund")
