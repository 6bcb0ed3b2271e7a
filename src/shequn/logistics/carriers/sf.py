"""SF Express open platform (丰桥) adapter: logistics.md §2.1–2.5.

Requests are form posts to ``/std/service`` with ``partnerID``, ``requestID``,
``serviceCode``, ``timestamp``, ``msgDigest`` and ``msgData`` (the business
JSON as a string). ``msgDigest = Base64(MD5(JavaURLEncode(msgData + timestamp +
checkWord)))``. The answer's ``apiResultData`` is itself a JSON string.

A call that gets no usable answer is retried (same ``orderId``: SF gives the
same waybill back); a business refusal raises ``CarrierRefused`` at once."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo

from shequn.logistics.carriers.port import (
    CarrierError,
    CarrierRefused,
    RouteEvent,
    ShipmentRequest,
    State,
    Waybill,
)

log = logging.getLogger("shequn.logistics.sf")
CST = ZoneInfo("Asia/Shanghai")

CREATE = "EXP_RECE_CREATE_ORDER"
UPDATE = "EXP_RECE_UPDATE_ORDER"
SEARCH_ORDER = "EXP_RECE_SEARCH_ORDER_RESP"
ROUTES = "EXP_RECE_SEARCH_ROUTES"
PUSH_ACK_OK = {"return_code": "0000", "return_msg": "成功"}
PUSH_ACK_FAIL = {"return_code": "1000", "return_msg": "失败"}


def java_urlencode(text: str) -> str:
    """Java ``URLEncoder.encode(s, "UTF-8")``: ``. - * _`` kept, space → ``+``."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def digest(msg_data: str, timestamp: str, check_word: str, *, java: bool = True) -> str:
    """``msgDigest`` (Java-style by default; ``java=False``: the official Python
    SDK's plain ``quote_plus``)."""
    raw = msg_data + timestamp + check_word
    encoded = java_urlencode(raw) if java else quote_plus(raw)
    md5 = hashlib.md5(encoded.encode("utf-8"), usedforsecurity=False).digest()
    return base64.b64encode(md5).decode("ascii")


def envelope(partner_id: str, check_word: str, service_code: str, msg_data: dict[str, Any],
             *, timestamp: str | None = None, request_id: str | None = None) -> dict[str, str]:
    text = json.dumps(msg_data, ensure_ascii=False, separators=(",", ":"))
    ts = timestamp or str(int(time.time() * 1000))
    return {"partnerID": partner_id, "requestID": request_id or uuid.uuid4().hex,
            "serviceCode": service_code, "timestamp": ts,
            "msgDigest": digest(text, ts, check_word), "msgData": text}


def api_result(api_code: str, data: dict[str, Any] | None = None, *, msg: str = "",
               response_id: str | None = None) -> dict[str, Any]:
    """The gateway's answer (the simulator builds it; tests read it)."""
    return {"apiErrorMsg": msg, "apiResponseID": response_id or uuid.uuid4().hex.upper(),
            "apiResultCode": api_code,
            "apiResultData": json.dumps(data, ensure_ascii=False) if data is not None else ""}


def business(msg_data: dict[str, Any] | None = None, *, error_code: str = "S0000",
             error_msg: str | None = None) -> dict[str, Any]:
    return {"success": error_code == "S0000", "errorCode": error_code, "errorMsg": error_msg,
            "msgData": msg_data}


# opCode → state (logistics.md §2.5); secondaryStatusCode preferred when present.
OP_CODES: dict[str, State] = {
    "54": State.PICKED_UP, "50": State.PICKED_UP,
    "30": State.IN_TRANSIT, "36": State.IN_TRANSIT, "31": State.IN_TRANSIT,
    "105": State.IN_TRANSIT, "106": State.IN_TRANSIT, "130": State.IN_TRANSIT,
    "44": State.OUT_FOR_DELIVERY, "204": State.OUT_FOR_DELIVERY,
    "80": State.DELIVERED, "8000": State.DELIVERED,
    "70": State.EXCEPTION,
    "631": State.RETURNING, "648": State.RETURNING,
    "605": State.CUSTOMS_HOLD,
}
SECONDARY: dict[str, State] = {"101": State.PICKED_UP, "201": State.IN_TRANSIT,
                               "204": State.CUSTOMS_HOLD, "205": State.IN_TRANSIT,
                               "301": State.OUT_FOR_DELIVERY, "1301": State.EXCEPTION,
                               "401": State.DELIVERED}


def state_of(route: dict[str, Any]) -> State:
    secondary = str(route.get("secondaryStatusCode") or "")
    if secondary in SECONDARY:
        return SECONDARY[secondary]
    return OP_CODES.get(str(route.get("opCode") or ""), State.IN_TRANSIT)


def parse_time(text: str) -> dt.datetime:
    """``yyyy-MM-dd HH:mm:ss`` in UTC+8."""
    return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CST)


def route_event(route: dict[str, Any], waybill_no: str = "") -> RouteEvent:
    mailno = str(route.get("mailno") or route.get("mailNo") or waybill_no)
    op = str(route.get("opCode") or "")
    at = parse_time(str(route["acceptTime"]))
    event_id = str(route.get("id") or f"{op}-{at:%Y%m%d%H%M%S}")
    return RouteEvent(waybill_no=mailno, event_id=event_id, at=at, state=state_of(route),
                      op_code=op, remark=str(route.get("remark") or "")[:200],
                      place=str(route.get("acceptAddress") or "")[:60],
                      order_id=str(route.get("orderid") or route.get("orderId") or ""),
                      raw=route)


def parse_push_body(body: bytes) -> list[RouteEvent]:
    """A RoutePushService JSON push: ``{"Body":{"WaybillRoute":[…]}}`` (≤10 routes).
    Raises ValueError when it is not one."""
    data = json.loads(body.decode("utf-8"))
    routes = data["Body"]["WaybillRoute"]
    if isinstance(routes, dict):
        routes = [routes]
    if not isinstance(routes, list):
        raise ValueError("WaybillRoute is not a list")
    return [route_event(r) for r in routes]


# What carries a form to the gateway and returns the answer body (HTTP, or the
# embedded simulator's handler).
Transport = Callable[[dict[str, str]], bytes]


def http_transport(url: str, timeout: float = 10.0) -> Transport:
    def send(form: dict[str, str]) -> bytes:
        data = urlencode(form).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="POST", headers={  # noqa: S310
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
                body: bytes = resp.read()
                return body
        except urllib.error.HTTPError as exc:
            raise CarrierError(f"HTTP {exc.code} from {url}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise CarrierError(f"{url}: {exc}") from exc
    return send


class SfCarrier:
    code = "sf"

    def __init__(self, transport: Transport, *, partner_id: str, check_word: str,
                 monthly_card: str = "", express_type: int = 2, attempts: int = 3,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 now: Callable[[], float] = time.time) -> None:
        self.transport, self.partner_id, self.check_word = transport, partner_id, check_word
        self.monthly_card, self.express_type = monthly_card, express_type
        self.attempts, self.backoff, self.sleep = attempts, backoff, sleep
        self.now = now

    # ------------------------------------------------------------------ calls
    def call(self, service_code: str, msg_data: dict[str, Any]) -> dict[str, Any]:
        """One service call with retries; returns the business ``msgData``."""
        last: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            form = envelope(self.partner_id, self.check_word, service_code, msg_data,
                            timestamp=str(int(self.now() * 1000)))
            try:
                body = self.transport(form)
                answer = json.loads(body.decode("utf-8"))
            except (CarrierError, ValueError, UnicodeDecodeError) as exc:
                last = exc
                log.warning("SF %s attempt %s failed: %s", service_code, attempt + 1, exc)
                continue
            code = str(answer.get("apiResultCode", ""))
            if code != "A1000":
                # Credentials, permission, signature: not going to change by retrying.
                raise CarrierError(f"SF gateway {code}: {answer.get('apiErrorMsg', '')}")
            try:
                result = json.loads(answer.get("apiResultData") or "{}")
            except ValueError as exc:
                raise CarrierError(f"SF apiResultData is not JSON: {exc}") from exc
            if not result.get("success") or result.get("errorCode") != "S0000":
                raise CarrierRefused(str(result.get("errorCode") or ""),
                                     str(result.get("errorMsg") or ""))
            data: dict[str, Any] = result.get("msgData") or {}
            return data
        raise CarrierError(f"SF {service_code}: no answer after {self.attempts} attempts"
                           f" ({last})")

    def create_order(self, request: ShipmentRequest) -> Waybill:
        def contact(kind: int, c: Any) -> dict[str, Any]:
            return {"contactType": kind, "contact": c.name, "mobile": c.mobile, "tel": c.tel,
                    "company": c.company, "country": c.country, "province": c.province,
                    "city": c.city, "county": c.county, "address": c.address}

        msg = {"language": "zh-CN", "orderId": request.order_id,
               "monthlyCard": self.monthly_card, "payMethod": 1,
               "expressTypeId": self.express_type, "parcelQty": 1,
               "totalWeight": float(request.weight_kg), "isReturnRoutelabel": 1,
               "isOneselfPickup": 0,
               "contactInfoList": [contact(1, request.sender), contact(2, request.receiver)],
               "cargoDetails": [{"name": c.name[:60], "count": c.count, "unit": c.unit}
                                for c in request.cargo],
               "customsInfo": {}, "extraInfoList": [], "remark": request.remark[:100]}
        data = self.call(CREATE, msg)
        if int(data.get("filterResult") or 2) == 3:
            raise CarrierRefused("filterResult3", str(data.get("remark") or "not serviceable"))
        numbers = [w for w in data.get("waybillNoInfoList") or []
                   if int(w.get("waybillType", 1)) == 1]
        if not numbers:
            raise CarrierRefused("no_waybill", "no waybill number in the answer")
        labels = data.get("routeLabelInfo") or []
        label = (labels[0].get("routeLabelData") or {}) if labels else {}
        return Waybill(order_id=request.order_id, waybill_no=str(numbers[0]["waybillNo"]),
                       label=label, origin_code=str(data.get("originCode") or ""),
                       dest_code=str(data.get("destCode") or ""))

    def cancel(self, order_id: str) -> None:
        try:
            self.call(UPDATE, {"orderId": order_id, "dealType": 2})
        except CarrierRefused as exc:
            if exc.code != "8037":   # 已消单: cancelled before
                raise

    def routes(self, waybill_no: str) -> list[RouteEvent]:
        data = self.call(ROUTES, {"language": "0", "trackingType": "1",
                                  "trackingNumber": [waybill_no], "methodType": "1"})
        events = []
        for resp in data.get("routeResps") or []:
            mailno = str(resp.get("mailNo") or waybill_no)
            events += [route_event(r, mailno) for r in resp.get("routes") or []]
        return events

    def parse_push(self, body: bytes, content_type: str) -> list[RouteEvent]:
        return parse_push_body(body)

    def push_ack(self, ok: bool) -> tuple[bytes, str]:
        ack = PUSH_ACK_OK if ok else PUSH_ACK_FAIL
        return (json.dumps(ack, ensure_ascii=False).encode("utf-8"),
                "application/json; charset=utf-8")
