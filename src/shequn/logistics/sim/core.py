"""The simulated SF gateway: pure Python over a JSON-able state dict.

``handle(form, now)`` answers one ``/std/service`` call; ``handover(waybills,
now)`` is the courier's first scan (the route script starts); ``due(now)``
gives the route pushes to send and ``acked(batch_id, ok, now)`` records the
answer. Failures on demand per waybill: ``scenario(waybill, name)``."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
from dataclasses import asdict, dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from shequn.core import regions
from shequn.logistics.carriers import sf

CST = ZoneInfo("Asia/Shanghai")
MOBILE = re.compile(r"^1[3-9]\d{9}$")
TEL = re.compile(r"^[0-9-]{7,20}$")
SERVICES = (sf.CREATE, sf.UPDATE, sf.SEARCH_ORDER, sf.ROUTES)
SCENARIOS = ("normal", "exception", "returned", "lost", "duplicate", "reorder")

# City → SF area code (the first part of the sort label); others get 9 + digits.
CITY_CODES = {"北京市": "010", "上海市": "021", "广州市": "020", "深圳市": "755",
              "杭州市": "571", "天津市": "022", "重庆市": "023", "成都市": "028",
              "南京市": "025", "武汉市": "027", "西安市": "029", "宁波市": "574",
              "苏州市": "512", "郑州市": "371", "长沙市": "731", "青岛市": "532"}


@dataclass(frozen=True)
class SimConfig:
    partners: dict[str, str] = field(default_factory=lambda: {"SQDEMO": "SQDEMOCHECKWORD"})
    monthly_card: str = "7551234567"
    timestamp_window_minutes: int = 10
    max_weight_kg: str = "30"
    unreachable_codes: tuple[str, ...] = ()     # district code prefixes not served
    push_url: str = ""
    # Route script delays (seconds after handover).
    pickup_delay: float = 0.0
    transit_delay: float = 3600.0
    arrive_delay: float = 6 * 3600.0
    out_delay: float = 20 * 3600.0
    deliver_delay: float = 24 * 3600.0
    retry_backoff: float = 60.0
    max_attempts: int = 10
    batch_size: int = 10
    origin_city: str = "宁波市"
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def config_from(data: dict[str, Any], base: SimConfig | None = None) -> SimConfig:
    names = {f.name: f for f in fields(SimConfig)}
    unknown = set(data) - set(names)
    if unknown:
        raise ValueError(f"unknown carrier simulator settings: {', '.join(sorted(unknown))}")
    cfg = base or SimConfig()
    changes: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(cfg, key)
        if isinstance(default, tuple):
            changes[key] = tuple(value.split(",") if isinstance(value, str) else value)
        elif isinstance(default, dict):
            changes[key] = dict(json.loads(value) if isinstance(value, str) else value)
        elif isinstance(default, float):
            changes[key] = float(value)
        elif isinstance(default, int):
            changes[key] = int(value)
        else:
            changes[key] = str(value)
    return replace(cfg, **changes)


def _ts(now: dt.datetime) -> float:
    return now.timestamp()


def _fmt(at: float) -> str:
    return dt.datetime.fromtimestamp(at, CST).strftime("%Y-%m-%d %H:%M:%S")


class SfSim:
    def __init__(self, config: SimConfig | None = None, state: dict[str, Any] | None = None
                 ) -> None:
        self.config = config or SimConfig()
        self.state: dict[str, Any] = state or {}
        for key, default in (("seq", 0), ("orders", {}), ("waybills", {}), ("requests", {}),
                             ("outbox", []), ("route_seq", 0), ("batch_seq", 0),
                             ("offset", 0.0)):
            self.state.setdefault(key, default)
        self.rng = random.Random(self.config.seed + self.state["seq"])

    # ------------------------------------------------------------ clock
    def now(self, real: dt.datetime) -> float:
        """The simulator's clock: real time plus what ``advance`` added."""
        return _ts(real) + float(self.state["offset"])

    def advance(self, seconds: float) -> None:
        self.state["offset"] = float(self.state["offset"]) + float(seconds)

    # ------------------------------------------------------------ gateway
    def handle(self, form: dict[str, str], real_now: dt.datetime) -> dict[str, Any]:
        now = self.now(real_now)
        required = ("partnerID", "requestID", "serviceCode", "timestamp", "msgDigest",
                    "msgData")
        missing = [k for k in required if not form.get(k)]
        if missing:
            return sf.api_result("A1001", msg=f"缺少必填参数 {','.join(missing)}")
        check_word = self.config.partners.get(form["partnerID"])
        if check_word is None:
            return sf.api_result("A1001", msg="顾客编码不存在")
        if len(form["requestID"]) > 40:
            return sf.api_result("A1001", msg="requestID 过长")
        if form["serviceCode"] not in SERVICES:
            return sf.api_result("A1004", msg="无对应服务权限")
        good = {sf.digest(form["msgData"], form["timestamp"], check_word, java=True),
                sf.digest(form["msgData"], form["timestamp"], check_word, java=False)}
        if form["msgDigest"] not in good:
            return sf.api_result("A1006", msg="数字签名无效")
        try:
            stamp = int(form["timestamp"])
        except ValueError:
            return sf.api_result("A1006", msg="timestamp 无效")
        seconds = stamp / 1000 if stamp > 10**11 else stamp   # ms or s
        if abs(seconds - now) > self.config.timestamp_window_minutes * 60:
            return sf.api_result("A1006", msg="timestamp 超出允许范围")
        self._forget_requests(now)
        if form["requestID"] in self.state["requests"]:
            return sf.api_result("A1001", msg="requestID 重复")
        self.state["requests"][form["requestID"]] = now
        try:
            msg = json.loads(form["msgData"])
            if not isinstance(msg, dict):
                raise ValueError("not an object")
        except ValueError:
            return sf.api_result("A1001", msg="msgData 不是 JSON")
        handler = {sf.CREATE: self._create, sf.UPDATE: self._update,
                   sf.SEARCH_ORDER: self._search_order, sf.ROUTES: self._routes}
        return sf.api_result("A1000", handler[form["serviceCode"]](msg, form["partnerID"], now))

    def _forget_requests(self, now: float) -> None:
        self.state["requests"] = {k: v for k, v in self.state["requests"].items()
                                  if now - v < 24 * 3600}

    def _create(self, msg: dict[str, Any], partner: str, now: float) -> dict[str, Any]:
        order_id = str(msg.get("orderId") or "").strip()
        if not order_id or len(order_id) > 64:
            return sf.business(error_code="8013", error_msg="订单号不能为空")
        fingerprint = hashlib.sha256(json.dumps(msg, sort_keys=True, ensure_ascii=False)
                                     .encode()).hexdigest()
        existing = self.state["orders"].get(order_id)
        if existing is not None:
            if existing["fingerprint"] == fingerprint and not existing.get("cancelled"):
                return sf.business(existing["response"])
            return sf.business(error_code="8016", error_msg="重复下单")
        problem = self._order_problem(msg)
        if problem:
            return sf.business(error_code=problem[0], error_msg=problem[1])
        receiver = next(c for c in msg["contactInfoList"] if int(c["contactType"]) == 2)
        region = regions.find(receiver["province"], receiver["city"], receiver["county"])
        if region is None:
            return sf.business({"orderId": order_id, "filterResult": 3,
                                "remark": "收方地址省市区不一致", "waybillNoInfoList": []})
        if any(region.code.startswith(p) for p in self.config.unreachable_codes if p):
            return sf.business({"orderId": order_id, "filterResult": 3,
                                "remark": "超范围", "waybillNoInfoList": []})
        self.state["seq"] += 1
        waybill = f"SF{7_000_000_000_000 + self.state['seq']:013d}"
        dest = CITY_CODES.get(region.city, "9" + region.code[2:4])
        origin = CITY_CODES.get(self.config.origin_city, "574")
        dept = f"{dest}{'WZ'[self.state['seq'] % 2]}{self.state['seq'] % 1000:03d}"
        team = f"{self.state['seq'] % 100:03d}"
        k7 = f"{self.rng.getrandbits(32):08x}"
        label = {"waybillNo": waybill, "sourceTransferCode": f"{origin}W",
                 "sourceCityCode": origin, "destDeptCode": dept, "destTeamCode": team,
                 "destRouteLabel": f"{origin}W-{dept[len(dest):]}-{team}",
                 "proName": "顺丰标快", "expressTypeCode": "B1", "codingMapping": "H7",
                 "proCode": "T801",
                 "twoDimensionCode": (f"MMM={{'k1':'{origin}W','k2':'{dept}','k3':'{team}',"
                                      f"'k4':'T801','k5':'{waybill}','k6':'','k7':'{k7}'}}")}
        response = {"orderId": order_id, "originCode": origin, "destCode": dest,
                    "filterResult": 2, "remark": "",
                    "waybillNoInfoList": [{"waybillType": 1, "waybillNo": waybill}],
                    "routeLabelInfo": [{"code": "1000", "routeLabelData": label}]}
        self.state["orders"][order_id] = {"fingerprint": fingerprint, "response": response,
                                          "waybill": waybill, "cancelled": False,
                                          "partner": partner}
        self.state["waybills"][waybill] = {"orderId": order_id, "city": region.city,
                                           "handed_over": False, "picked_up": False,
                                           "scenario": "normal", "events": [],
                                           "created": now}
        return sf.business(response)

    def _order_problem(self, msg: dict[str, Any]) -> tuple[str, str] | None:
        contacts = msg.get("contactInfoList")
        if not isinstance(contacts, list):
            return "1010", "contactInfoList 不能为空"
        kinds = [int(c.get("contactType") or 0) for c in contacts if isinstance(c, dict)]
        if sorted(kinds) != [1, 2]:
            return "1010", "寄件方和到件方信息各一条"
        for c in contacts:
            who = "寄件方" if int(c["contactType"]) == 1 else "到件方"
            if not str(c.get("contact") or "").strip():
                return "1011", f"{who}联系人不能为空"
            mobile, tel = str(c.get("mobile") or ""), str(c.get("tel") or "")
            if not (MOBILE.match(mobile) or (not mobile and TEL.match(tel))):
                return "1012", f"{who}联系电话不合法"
            for key in ("province", "city", "address"):
                if not str(c.get(key) or "").strip():
                    return "1014", f"{who}地址不完整"
        try:
            weight = Decimal(str(msg.get("totalWeight")))
        except (InvalidOperation, ValueError):
            return "1020", "totalWeight 无效"
        if not weight.is_finite() or weight <= 0 or weight > Decimal(self.config.max_weight_kg):
            return "1020", f"重量须大于 0 且不超过 {self.config.max_weight_kg} 公斤"
        if int(msg.get("parcelQty") or 1) != 1:
            return "1021", "跨境订单包裹数须为 1"
        cargo = msg.get("cargoDetails")
        if not isinstance(cargo, list) or not cargo or any(
                not str(c.get("name") or "").strip() for c in cargo):
            return "1030", "托寄物名称不能为空"
        if int(msg.get("payMethod") or 1) in (1, 3) and str(msg.get("monthlyCard") or "") \
                != self.config.monthly_card:
            return "1040", "月结卡号不匹配"
        return None

    def _update(self, msg: dict[str, Any], partner: str, now: float) -> dict[str, Any]:
        order = self.state["orders"].get(str(msg.get("orderId") or ""))
        if order is None:
            return sf.business(error_code="8018", error_msg="未找到订单")
        if int(msg.get("dealType") or 1) != 2:
            return sf.business({"orderId": msg["orderId"], "resStatus": 1,
                                "waybillNoInfoList": order["response"]["waybillNoInfoList"]})
        if order["cancelled"]:
            return sf.business(error_code="8037", error_msg="已消单")
        if self.state["waybills"][order["waybill"]]["picked_up"]:
            return sf.business(error_code="8252", error_msg="已揽收，不能取消")
        order["cancelled"] = True
        return sf.business({"orderId": msg["orderId"], "resStatus": 2,
                            "waybillNoInfoList": order["response"]["waybillNoInfoList"]})

    def _search_order(self, msg: dict[str, Any], partner: str, now: float) -> dict[str, Any]:
        order = self.state["orders"].get(str(msg.get("orderId") or ""))
        if order is None:
            return sf.business(error_code="8018", error_msg="未找到订单")
        return sf.business(order["response"])

    def _routes(self, msg: dict[str, Any], partner: str, now: float) -> dict[str, Any]:
        resps = []
        for number in msg.get("trackingNumber") or []:
            parcel = self.state["waybills"].get(str(number))
            routes = [] if parcel is None else [
                self._route(str(number), parcel, e) for e in parcel["events"] if e["at"] <= now]
            resps.append({"mailNo": str(number), "routes": routes})
        return sf.business({"routeResps": resps})

    # ------------------------------------------------------------ route script
    def scenario(self, waybill: str, name: str) -> None:
        if name not in SCENARIOS:
            raise ValueError(f"unknown scenario {name!r}; one of {', '.join(SCENARIOS)}")
        parcel = self.state["waybills"].get(waybill)
        if parcel is None:
            raise KeyError(waybill)
        parcel["scenario"] = name

    def handover(self, waybills: list[str], real_now: dt.datetime) -> list[str]:
        """The courier collects these parcels: their route script starts."""
        now = self.now(real_now)
        done = []
        for number in waybills:
            parcel = self.state["waybills"].get(number)
            if parcel is None or parcel["handed_over"]:
                continue
            order = self.state["orders"][parcel["orderId"]]
            if order["cancelled"]:
                continue
            parcel["handed_over"] = True
            self._script(number, parcel, now)
            done.append(number)
        return done

    def _event(self, parcel: dict[str, Any], at: float, op: str, remark: str,
               place: str, **extra: str) -> dict[str, Any]:
        self.state["route_seq"] += 1
        event = {"id": str(158_900_000_000_000 + self.state["route_seq"]), "at": at,
                 "opCode": op, "remark": remark, "place": place, **extra}
        parcel["events"].append(event)
        return event

    def _script(self, number: str, parcel: dict[str, Any], now: float) -> None:
        c, origin, dest = self.config, self.config.origin_city, parcel["city"]
        kind = parcel["scenario"]
        script: list[tuple[float, str, str, str, dict[str, str]]] = [
            (c.pickup_delay, "54", "顺丰速运 已收取快件", origin, {}),
            (c.pickup_delay + 1, "50", "顺丰速运 已收取快件", origin, {}),
            (c.transit_delay, "30", f"快件完成分拣，准备发往【{dest}】", origin, {}),
            (c.transit_delay + max(c.arrive_delay - c.transit_delay, 0) / 3, "36",
             f"快件已发车，离开【{origin}】", origin, {}),
        ]
        if kind != "lost":
            script.append((c.arrive_delay, "31", f"快件到达【{dest}】", dest, {}))
        if kind in ("normal", "duplicate", "reorder"):
            script += [(c.out_delay, "44", "快件正在派送中", dest, {}),
                       (c.deliver_delay, "80", "已签收，感谢使用顺丰，期待再次为您服务", dest, {})]
        elif kind == "exception":
            script += [(c.out_delay, "44", "快件正在派送中", dest, {}),
                       (c.deliver_delay, "70", "派送失败，收方联系不上", dest,
                        {"reasonCode": "1301", "reasonName": "收方联系不上"})]
        elif kind == "returned":
            script += [(c.out_delay, "70", "收方拒收", dest,
                        {"reasonCode": "1302", "reasonName": "拒收"}),
                       (c.deliver_delay, "648", "快件已退回", dest, {})]
        events = [self._event(parcel, now + delay, op, remark, place, **extra)
                  for delay, op, remark, place, extra in script]
        for i, event in enumerate(events):
            self._queue(number, [event], event["at"] + (0.001 * i))
        if kind == "duplicate":   # every route pushed twice, the copy in a later batch
            for event in events:
                self._queue(number, [event], event["at"] + 1)
        if kind == "reorder":     # the last two events pushed in one batch, newest first
            self.state["outbox"] = [b for b in self.state["outbox"]
                                    if not (b["waybill"] == number
                                            and b["routes"][0] in events[-2:])]
            self._queue(number, [events[-1], events[-2]], events[-1]["at"])

    def _queue(self, number: str, routes: list[dict[str, Any]], due: float) -> None:
        self.state["batch_seq"] += 1
        self.state["outbox"].append({"id": self.state["batch_seq"], "waybill": number,
                                     "routes": routes, "due": due, "attempts": 0})

    def _route(self, number: str, parcel: dict[str, Any], e: dict[str, Any]) -> dict[str, Any]:
        return {"id": e["id"], "mailno": number, "orderid": parcel["orderId"],
                "acceptTime": _fmt(e["at"]), "acceptAddress": e["place"],
                "remark": e["remark"], "opCode": e["opCode"],
                "reasonCode": e.get("reasonCode", ""), "reasonName": e.get("reasonName", "")}

    def due(self, real_now: dt.datetime, *, everything: bool = False
            ) -> list[tuple[int, bytes]]:
        """Pushes to send now (batch id, JSON body); each is in flight until acked.
        ``everything``: also what is not yet due (the clock jumps to it)."""
        now = self.now(real_now)
        out: list[tuple[int, bytes]] = []
        batches = sorted(self.state["outbox"], key=lambda b: (b["due"], b["id"]))
        if everything and batches:
            latest = max(b["due"] for b in batches)
            if latest > now:
                self.advance(latest - now + 1)
                now = latest + 1
        for batch in batches:
            if batch["due"] > now or len(out) >= 100:
                continue
            parcel = self.state["waybills"][batch["waybill"]]
            for e in batch["routes"]:
                if e["opCode"] in ("50", "54"):
                    parcel["picked_up"] = True
            routes = [self._route(batch["waybill"], parcel, e)
                      for e in batch["routes"][: self.config.batch_size]]
            body = json.dumps({"Body": {"WaybillRoute": routes}}, ensure_ascii=False)
            batch["attempts"] += 1
            batch["due"] = now + self.config.retry_backoff * 2 ** (batch["attempts"] - 1)
            out.append((batch["id"], body.encode("utf-8")))
        return out

    def acked(self, batch_id: int, ack: bytes | None) -> bool:
        """The platform answered a push: the exact ack stops retries; anything else
        (or nothing) leaves it to be retried until ``max_attempts``."""
        ok = False
        if ack:
            try:
                ok = json.loads(ack.decode("utf-8")) == sf.PUSH_ACK_OK
            except ValueError:
                ok = False
        keep = []
        for batch in self.state["outbox"]:
            if batch["id"] == batch_id and (ok or batch["attempts"] >= self.config.max_attempts):
                continue
            keep.append(batch)
        self.state["outbox"] = keep
        return ok

    def describe(self, waybill: str) -> dict[str, Any] | None:
        parcel = self.state["waybills"].get(waybill)
        if parcel is None:
            return None
        return {"waybill": waybill, **{k: v for k, v in parcel.items() if k != "events"},
                "events": [self._route(waybill, parcel, e) for e in parcel["events"]],
                "pending_pushes": sum(1 for b in self.state["outbox"] if b["waybill"] == waybill)}

    def parcels(self) -> list[dict[str, Any]]:
        return [{"waybill": w, "orderId": p["orderId"], "scenario": p["scenario"],
                 "handed_over": p["handed_over"], "events": len(p["events"]),
                 "pending_pushes": sum(1 for b in self.state["outbox"] if b["waybill"] == w)}
                for w, p in sorted(self.state["waybills"].items(), reverse=True)]
