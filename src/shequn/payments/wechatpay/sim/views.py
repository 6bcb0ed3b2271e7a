"""The WeChat Pay simulator over HTTP, under /wxpaysim/ (demo and staging only;
web/sim/urls.py). The v3 API answers signed requests from anyone (the
signature is the authentication, as at WeChat); the payer's pages stand in for
the WeChat app: the JSAPI bridge (``WeixinJSBridge``), the H5 cashier and the
Native "scan". ``_sim/faults`` and ``_sim/deliver`` drive the test controls."""

from __future__ import annotations

import json
from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shequn.payments.sim_models import WxSimTransaction
from shequn.payments.wechatpay.sim import api, delivery


@csrf_exempt  # server to server, authenticated by the merchant's signature
def v3(request: HttpRequest, rest: str) -> HttpResponse:
    status, headers, body = api.handle(request.method or "GET", request.get_full_path(),
                                       request.headers, request.body)
    response = HttpResponse(body, status=status,
                            content_type=headers.pop("Content-Type", "application/json"))
    for name, value in headers.items():
        response[name] = value
    return response


BRIDGE_JS = """// WeChat Pay simulator: a stand-in for WeChat's in-app WeixinJSBridge.
(function () {
  if (typeof window.WeixinJSBridge !== "undefined") { return; }
  window.WeixinJSBridge = {
    invoke: function (name, params, callback) {
      if (name !== "getBrandWCPayRequest") { callback({err_msg: name + ":fail"}); return; }
      if (!window.confirm("WeChat Pay (simulator): pay?")) {
        callback({err_msg: "get_brand_wcpay_request:cancel"}); return;
      }
      fetch("/wxpaysim/bridge/pay", {method: "POST", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify(params), credentials: "omit"})
        .then(function (r) { return r.json(); })
        .then(function (res) { callback(res); })
        .catch(function () { callback({err_msg: "get_brand_wcpay_request:fail"}); });
    }
  };
})();
"""


def bridge_js(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BRIDGE_JS, content_type="text/javascript; charset=utf-8")


@csrf_exempt  # stands in for WeChat's app talking to WeChat; authenticated by paySign
@require_POST
def bridge_pay(request: HttpRequest) -> JsonResponse:
    try:
        params = json.loads(request.body)
    except ValueError:
        params = None
    if not isinstance(params, dict):
        return JsonResponse({"err_msg": "get_brand_wcpay_request:fail"}, status=400)
    return JsonResponse({"err_msg": api.pay_jsapi({k: str(v) for k, v in params.items()})})


def _cashier(request: HttpRequest, prepay_id: str, back: str) -> HttpResponse:
    trade = WxSimTransaction.objects.filter(prepay_id=prepay_id).first()
    if trade is None:
        return HttpResponse(status=404)
    if request.method == "POST":
        if trade.state == "NOTPAY":
            api.pay(prepay_id)
        if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("/orders/")
    return render(request, "wxpaysim/cashier.html", {"trade": trade, "back": back,
                                                     # fen → yuan as Decimal, never a float
                                                     "amount": Decimal(trade.amount_total) / 100})


@require_http_methods(["GET", "POST"])
def h5_page(request: HttpRequest, prepay_id: str) -> HttpResponse:
    return _cashier(request, prepay_id, request.GET.get("redirect_url", ""))


@require_http_methods(["GET", "POST"])
def scan_page(request: HttpRequest, code: str) -> HttpResponse:
    prepay_id = api.prepay_for_code(code)
    if prepay_id is None:
        return HttpResponse(status=404)
    return _cashier(request, prepay_id, "")


@csrf_exempt  # test control (demo; staff in staging)
@require_POST
def faults(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body)
        delivery.queue_fault(str(data["kind"]), int(data.get("count", 1)),
                             str(data.get("key", "")))
    except (ValueError, KeyError, TypeError) as exc:
        return JsonResponse({"code": "PARAM_ERROR", "message": str(exc)}, status=400)
    return JsonResponse({"queued": data["kind"]})


@csrf_exempt  # test control (demo; staff in staging)
@require_POST
def deliver(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"sent": [{"id": i, "status": s} for i, s in delivery.deliver_due()]})
