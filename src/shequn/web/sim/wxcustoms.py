"""The WeChat Pay customs-declaration simulator over HTTP (staging; demo runs
it in process). Mounted outside production only, like every simulator
(web/urls.py): ``…/sim/wxpay`` is the base URL to put in
SHEQUN_WECHATPAY_CUSTOMS_URL. The API answers anyone, as WeChat does: the v2
signature is the authentication. Faults are queued by staff (everybody in the
demo), e.g. ``POST …/sim/wxpay/_sim/faults {"endpoint": "query", "kind":
"fail", "key": "<out_trade_no>", "times": 1}``."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import codec, sim
from shequn.web.sim.gate import simulator_page


@csrf_exempt  # a server-to-server API signed with the v2 key, as WeChat's
@never_cache
@require_POST
def api(request: HttpRequest, endpoint: str) -> HttpResponse:
    path = f"/cgi-bin/mch/{endpoint}"
    if path not in wx.PATHS:
        return HttpResponse(codec.dumps({"return_code": "FAIL", "return_msg": "无效的接口地址"}),
                            content_type="text/xml; charset=utf-8", status=404)
    try:
        body = sim.get().handle(path, request.body[:codec.MAX_BYTES + 1])
    except sim.SimTimeout:
        return HttpResponse(status=504)
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


@never_cache
@simulator_page
@require_http_methods(["GET", "POST"])
def faults(request: HttpRequest) -> HttpResponse:
    """GET: the simulator's declarations and queued faults; POST (JSON): queue one."""
    simulator = sim.get()
    if request.method == "POST":
        try:
            data = json.loads(request.body or b"{}")
            simulator.add_fault(str(data.get("endpoint", "")), str(data.get("kind", "")),
                                str(data.get("key") or "*"), int(data.get("times") or 1))
        except (ValueError, TypeError, AttributeError) as exc:
            return JsonResponse({"code": "bad_fault", "message": str(exc),
                                 "message_en": str(exc)}, status=400)
    snapshot = simulator.snapshot()
    for record in snapshot["records"]:
        record.pop("appid", None)
    return JsonResponse(snapshot)
