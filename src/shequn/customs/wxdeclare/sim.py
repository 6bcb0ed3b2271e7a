"""A WeChat Pay customs-declaration simulator with the real wire format
(§4, §6): v2 XML, the signature checked (MD5 or HMAC-SHA256 per ``sign_type``),
required fields, the ``customs`` code and the merchant's customs number
registered for it, the transaction must exist (``register_lookup``; by
default any ``4200…`` transaction id of 28 digits is accepted), split orders'
fees, a repeated ADD refused with 35311004 while MODIFY updates, the
identity compared with the payer WeChat knows (SAME / DIFFERENT / UNCHECKED).

A declaration answers UNDECLARED, then moves one step per query
(SUBMITTED → PROCESSING → SUCCESS, or FAIL / EXCEPT); a re-push from SUCCESS or
EXCEPT starts it again. On SUCCESS the ``register_pusher`` hooks run (WeChat
pushing the CEB411 to customs). Faults (``add_fault``) are queued per call
and key. Pure Python, no Django: the platform embeds it (demo) or mounts it
over HTTP (staging).

State is kept by a ``Store`` when one is set (the platform keeps it in its
database: customs.SimulatorState "wxdeclare", so a restart or another worker
sees the same declarations), else in memory. ``reset()`` drops the process's
simulator (tests do so before each test); hooks registered with
``permanent=True`` survive a reset.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import codec, signing

ENDPOINTS = {wx.PATH_DECLARE: "declare", wx.PATH_QUERY: "query",
             wx.PATH_REDECLARE: "redeclare"}
FAULTS = frozenset({
    "return_fail",       # return_code=FAIL (as for a bad signature)
    "bad_response_sign",  # the answer's signature is wrong
    "unsigned_response",  # the answer carries no signature
    "system_error",      # result_code=FAIL err_code=SYSTEMERROR
    "timeout",           # no answer (SimTimeout)
    "fail",              # the declaration's verdict is FAIL
    "except",            # the verdict is EXCEPT (customs interface exception)
    "stuck",             # stays PROCESSING
    "different",         # the payer WeChat knows differs from the identity sent
})
log = logging.getLogger("shequn.customs.wxdeclare")
TXN_PATTERN = re.compile(r"^4200\d{24}$")
_CST = dt.timezone(dt.timedelta(hours=8))


class SimTimeout(TimeoutError):
    """The fault ``timeout``: the simulated WeChat does not answer."""


@dataclass(frozen=True)
class Txn:
    """A payment as the WeChat Pay side knows it (from a lookup hook). Unknown
    amount or payer (None) are not checked."""

    transaction_id: str
    out_trade_no: str = ""
    total_fen: int | None = None
    refunded_fen: int = 0
    trade_state: str = "SUCCESS"
    payer_name: str | None = None
    payer_id: str | None = None


Lookup = Callable[[str], Txn | None]
Pusher = Callable[[dict[str, Any]], None]


@dataclass
class SimConfig:
    appid: str = "wxd678efh567hg6787"
    mch_id: str = "1230000109"
    key: str = "simulated-v2-key-000000000000000"
    # customs code → the merchant's registration number there
    registrations: dict[str, str] = field(default_factory=lambda: {"HANGZHOU_ZS": "3301960SQP"})
    path: tuple[str, ...] = (wx.SUBMITTED, wx.PROCESSING)
    fail_explanation: str = "海关回执：支付单校验不通过"


@dataclass
class Record:
    key: str
    appid: str
    mch_id: str
    out_trade_no: str
    transaction_id: str
    customs: str
    mch_customs_no: str
    sub_order_no: str = ""
    sub_order_id: str = ""
    fee_type: str = ""
    order_fee: str = ""
    transport_fee: str = ""
    product_fee: str = ""
    duty: str = ""
    cert_check_result: str = wx.UNCHECKED
    state: str = wx.UNDECLARED
    step: int = 0
    verdict: str = wx.SUCCESS
    explanation: str = ""
    modify_time: str = ""
    pushed: int = 0


class Store(Protocol):
    """Where the simulator keeps its state between requests (the platform's
    database: a restart or another worker process sees the same WeChat)."""

    def load(self) -> dict[str, Any] | None: ...

    def save(self, state: dict[str, Any]) -> None: ...


class Simulator:
    def __init__(self, config: SimConfig | None = None, store: Store | None = None) -> None:
        self.config = config or SimConfig()
        self.store = store
        self.records: dict[str, Record] = {}
        self.faults: list[tuple[str, str, str]] = []   # (endpoint, kind, key or "*")
        self.requests: list[dict[str, Any]] = []
        self._next_id = 1
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- state
    def _load(self) -> None:
        state = self.store.load() if self.store is not None else None
        if state is None:
            return
        self.records = {r["key"]: Record(**r) for r in state.get("records", [])}
        self.faults = [(str(a), str(b), str(c)) for a, b, c in state.get("faults", [])]
        self._next_id = int(state.get("next_id", 1))

    def _save(self) -> None:
        if self.store is not None:
            self.store.save({"records": [dataclasses.asdict(r) for r in self.records.values()],
                             "faults": [list(f) for f in self.faults],
                             "next_id": self._next_id})

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    # ---------------------------------------------------------------- faults
    def add_fault(self, endpoint: str, kind: str, key: str = "*", times: int = 1) -> None:
        if endpoint not in ENDPOINTS.values() or kind not in FAULTS:
            raise ValueError(f"unknown fault {endpoint}/{kind}")
        with self._lock:
            self._load()
            self.faults.extend([(endpoint, kind, key)] * max(1, min(times, 100)))
            self._save()

    def _take_fault(self, endpoint: str, keys: tuple[str, ...], kinds: frozenset[str]
                    ) -> str | None:
        for i, (ep, kind, key) in enumerate(self.faults):
            if ep == endpoint and kind in kinds and (key == "*" or key in keys):
                del self.faults[i]
                return kind
        return None

    # ------------------------------------------------------------------ wire
    def handle(self, path: str, body: bytes) -> bytes:
        """Answer one request the way WeChat does (always HTTP 200 with XML)."""
        endpoint = ENDPOINTS.get(path)
        if endpoint is None:
            return self._fail("无效的接口地址")
        try:
            params = codec.loads(body)
        except codec.CodecError:
            return self._fail("XML格式错误")
        with self._lock:
            self._load()
            try:
                return self._handle(endpoint, params)
            finally:
                self._save()

    def _handle(self, endpoint: str, params: dict[str, str]) -> bytes:
        path = next(p for p, e in ENDPOINTS.items() if e == endpoint)
        sign_type = params.get("sign_type") or signing.MD5
        entry = {"endpoint": endpoint, "params": {k: v for k, v in params.items()
                                                  if k not in ("cert_id", "name")},
                 "base_string": signing.base_string(params, "***")}
        self.requests = [*self.requests[-199:], entry]
        keys = tuple(v for v in (params.get("out_trade_no"), params.get("transaction_id"),
                                 params.get("sub_order_no")) if v)
        if self._take_fault(endpoint, keys, frozenset({"timeout"})):
            raise SimTimeout(path)
        if self._take_fault(endpoint, keys, frozenset({"return_fail"})):
            return self._fail("签名错误")
        if sign_type not in signing.SIGN_TYPES or not signing.verify(
                params, self.config.key, sign_type):
            entry["signature"] = "bad"
            return self._fail("签名错误")
        if params.get("mch_id") != self.config.mch_id:
            return self._fail("mch_id参数格式错误")
        if params.get("appid") != self.config.appid:
            return self._fail("appid和mch_id不匹配")
        if self._take_fault(endpoint, keys, frozenset({"system_error"})):
            answer = self._result_fail("SYSTEMERROR", "系统繁忙，请稍后再试")
        else:
            answer = getattr(self, f"_{endpoint}")(params, keys)
        response_fault = self._take_fault(
            endpoint, keys, frozenset({"bad_response_sign", "unsigned_response"}))
        return self._reply(answer, sign_type, response_fault)

    def _fail(self, msg: str) -> bytes:
        return codec.dumps({"return_code": "FAIL", "return_msg": msg})

    @staticmethod
    def _result_fail(err_code: str, des: str) -> dict[str, object]:
        return {"result_code": "FAIL", "err_code": err_code, "err_code_des": des}

    def _reply(self, answer: dict[str, object], sign_type: str, fault: str | None) -> bytes:
        body: dict[str, object] = {"return_code": "SUCCESS", "return_msg": "OK",
                                   "appid": self.config.appid, "mch_id": self.config.mch_id,
                                   **answer}
        if sign_type != signing.MD5:
            body["sign_type"] = sign_type
        body = {k: v for k, v in body.items() if v is not None and str(v) != ""}
        if fault != "unsigned_response":
            body["sign"] = signing.sign(body, self.config.key, sign_type)
        if fault == "bad_response_sign":
            body["sign"] = "0" * len(str(body["sign"]))
        return codec.dumps(body)

    # ----------------------------------------------------------------- calls
    @staticmethod
    def _key(transaction_id: str, sub_order_no: str) -> str:
        return f"{transaction_id}|{sub_order_no}"

    def _check_office(self, params: dict[str, str]) -> dict[str, object] | None:
        customs = params.get("customs", "")
        if customs not in wx.CUSTOMS_CODES | wx.LEGACY_CUSTOMS_CODES:
            return self._result_fail("PARAM_ERROR", f"customs参数错误：{customs}")
        registered = self.config.registrations.get(customs)
        if customs != "NO" and (not registered or params.get("mch_customs_no") != registered):
            return self._result_fail("PARAM_ERROR", "商户海关备案号未在该海关登记")
        return None

    def _declare(self, params: dict[str, str], keys: tuple[str, ...]) -> dict[str, object]:
        for name in ("out_trade_no", "transaction_id", "customs"):
            if not params.get(name):
                return self._result_fail("PARAM_ERROR", f"缺少参数{name}")
        problem = self._check_office(params)
        if problem:
            return problem
        txn = lookup(params["transaction_id"], params["out_trade_no"])
        if txn is None or txn.out_trade_no not in ("", params["out_trade_no"]):
            return self._result_fail("INVALID_REQUEST", "查询指定记录不存在，请检查订单号")
        if txn.trade_state != "SUCCESS":
            return self._result_fail("INVALID_REQUEST", "订单未支付成功")
        sub = params.get("sub_order_no", "")
        if sub:
            problem = self._check_split(params, txn)
            if problem:
                return problem
        if params.get("cert_id") and params.get("cert_type", "IDCARD") != "IDCARD":
            return self._result_fail("PARAM_ERROR", "cert_type只支持IDCARD")
        key = self._key(txn.transaction_id, sub)
        existing = self.records.get(key)
        action = params.get("action_type") or "ADD"
        if action not in ("ADD", "MODIFY"):
            return self._result_fail("PARAM_ERROR", "action_type参数错误")
        if action == "ADD" and existing is not None:
            return self._result_fail(wx.ALREADY_SUBMITTED, "您的操作已提交,请确认是否已生效")
        if action == "MODIFY" and existing is None:
            return self._result_fail("INVALID_REQUEST", "查询指定记录不存在")
        record = Record(
            key=key, appid=params["appid"], mch_id=params["mch_id"],
            out_trade_no=params["out_trade_no"], transaction_id=txn.transaction_id,
            customs=params["customs"], mch_customs_no=params.get("mch_customs_no", ""),
            sub_order_no=sub, sub_order_id=(existing.sub_order_id if existing else
                                            (f"{txn.transaction_id[-20:]}{self._new_id():08d}"
                                             if sub else "")),
            fee_type=params.get("fee_type", ""), order_fee=params.get("order_fee", ""),
            transport_fee=params.get("transport_fee", ""),
            product_fee=params.get("product_fee", ""), duty=params.get("duty", ""),
            cert_check_result=self._cert_check(params, txn, keys),
            modify_time=_now(), pushed=existing.pushed if existing else 0)
        self.records[key] = record
        return {"result_code": "SUCCESS", **self._declare_answer(record)}

    def _check_split(self, params: dict[str, str], txn: Txn) -> dict[str, object] | None:
        if params.get("fee_type") != "CNY":
            return self._result_fail("PARAM_ERROR", "fee_type只支持CNY")
        try:
            fee, transport, product = (int(params.get(n) or "x") for n in
                                       ("order_fee", "transport_fee", "product_fee"))
        except ValueError:
            return self._result_fail("PARAM_ERROR", "拆单金额参数错误")
        if fee != transport + product:
            return self._result_fail("PARAM_ERROR", "order_fee必须等于transport_fee+product_fee")
        if txn.total_fen is not None:
            others = sum(int(r.order_fee or 0) for r in self.records.values()
                         if r.transaction_id == txn.transaction_id
                         and r.sub_order_no != params.get("sub_order_no"))
            if others + fee > txn.total_fen - txn.refunded_fen:
                return self._result_fail("PARAM_ERROR", "拆单金额之和超过订单支付金额")
        return None

    def _cert_check(self, params: dict[str, str], txn: Txn, keys: tuple[str, ...]) -> str:
        if self._take_fault("declare", keys, frozenset({"different"})):
            return wx.DIFFERENT
        cert_id, name = params.get("cert_id", ""), params.get("name", "")
        if not (cert_id and name) or txn.payer_id is None or txn.payer_name is None:
            return wx.UNCHECKED
        same = cert_id.upper() == txn.payer_id.upper() and name == txn.payer_name
        return wx.SAME if same else wx.DIFFERENT

    @staticmethod
    def _declare_answer(record: Record) -> dict[str, object]:
        return {"state": record.state, "transaction_id": record.transaction_id,
                "out_trade_no": record.out_trade_no, "sub_order_no": record.sub_order_no,
                "sub_order_id": record.sub_order_id, "modify_time": record.modify_time,
                "cert_check_result": record.cert_check_result,
                "verify_department": "OTHERS",
                "verify_department_trade_id": f"V{record.transaction_id[-16:]}"}

    def _matching(self, params: dict[str, str]) -> list[Record]:
        customs = params.get("customs", "")
        if params.get("sub_order_id"):
            rows = [r for r in self.records.values() if r.sub_order_id == params["sub_order_id"]]
        elif params.get("sub_order_no"):
            rows = [r for r in self.records.values() if r.sub_order_no == params["sub_order_no"]
                    and (not params.get("transaction_id")
                         or r.transaction_id == params["transaction_id"])]
        elif params.get("transaction_id"):
            rows = [r for r in self.records.values()
                    if r.transaction_id == params["transaction_id"]]
        else:
            rows = [r for r in self.records.values()
                    if r.out_trade_no == params.get("out_trade_no")]
        return [r for r in rows if r.customs == customs]

    def _query(self, params: dict[str, str], keys: tuple[str, ...]) -> dict[str, object]:
        if not params.get("customs"):
            return self._result_fail("PARAM_ERROR", "缺少参数customs")
        rows = self._matching(params)
        if not rows:
            return self._result_fail("INVALID_REQUEST", "查询指定记录不存在")
        out: dict[str, object] = {"result_code": "SUCCESS",
                                  "transaction_id": rows[0].transaction_id,
                                  "count": len(rows)}
        for n, record in enumerate(rows):
            self._advance(record, keys)
            item = wx.QueryItem(
                sub_order_no=record.sub_order_no, sub_order_id=record.sub_order_id,
                mch_customs_no=record.mch_customs_no, customs=record.customs,
                fee_type=record.fee_type, order_fee=record.order_fee, duty=record.duty,
                transport_fee=record.transport_fee, product_fee=record.product_fee,
                state=record.state, explanation=record.explanation,
                modify_time=record.modify_time, cert_check_result=record.cert_check_result)
            out.update(wx.query_fields(item, n))
        return out

    def _advance(self, record: Record, keys: tuple[str, ...]) -> None:
        """One step of the asynchronous processing per query."""
        if record.state in (wx.SUCCESS, wx.FAIL, wx.EXCEPT):
            return
        if record.step == 0:
            verdict = self._take_fault("query", keys, frozenset({"fail", "except", "stuck"}))
            record.verdict = {"fail": wx.FAIL, "except": wx.EXCEPT,
                              "stuck": wx.PROCESSING}.get(verdict or "", wx.SUCCESS)
        path = self.config.path
        if record.step < len(path):
            record.state = path[record.step]
        elif record.verdict != wx.PROCESSING:
            record.state = record.verdict
            record.explanation = {wx.FAIL: self.config.fail_explanation,
                                  wx.EXCEPT: "海关接口异常"}.get(record.state, "")
        record.step += 1
        record.modify_time = _now()
        if record.state == wx.SUCCESS:
            record.pushed += 1
            for push in list(_pushers):
                try:
                    push(dataclasses.asdict(record))
                except Exception:
                    # WeChat's push to customs failing does not change its answer.
                    log.exception("simulated push of %s to customs failed", record.key)

    def _redeclare(self, params: dict[str, str], keys: tuple[str, ...]) -> dict[str, object]:
        problem = self._check_office(params)
        if problem:
            return problem
        rows = self._matching(params)
        if not rows:
            return self._result_fail("INVALID_REQUEST", "查询指定记录不存在")
        record = rows[0]
        if record.state not in (wx.SUCCESS, wx.EXCEPT):
            return self._result_fail("PARAM_ERROR", "当前状态不允许重推")
        record.state, record.step, record.explanation = wx.UNDECLARED, 0, ""
        record.modify_time = _now()
        return {"result_code": "SUCCESS", **self._declare_answer(record)}

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            self._load()
            return {"records": [dataclasses.asdict(r) for r in self.records.values()],
                    "faults": list(self.faults)}


def _now() -> str:
    return dt.datetime.now(_CST).strftime("%Y%m%d%H%M%S")


class SimTransport:
    """``client.Transport`` calling the simulator in this process."""

    def __init__(self, simulator: Simulator | None = None) -> None:
        self._simulator = simulator

    def post(self, path: str, body: bytes) -> bytes:
        try:
            return (self._simulator or get()).handle(path, body)
        except SimTimeout as exc:
            raise wx.TransportError(f"simulated timeout on {path}") from exc


# ------------------------------------------------------------- module state
_lookups: list[tuple[Lookup, bool]] = []
_pushers: list[Pusher] = []
_permanent_pushers: set[int] = set()
_sim: Simulator | None = None
_configure: Callable[[], SimConfig] | None = None
_store: Callable[[], Store] | None = None
_state_lock = threading.Lock()


def register_lookup(fn: Lookup, *, permanent: bool = False) -> None:
    """A source of transactions (the WeChat Pay simulator, a test). The first
    hook that knows the transaction answers; later ones come first."""
    if all(f is not fn for f, _ in _lookups):
        _lookups.insert(0, (fn, permanent))


def register_pusher(fn: Pusher, *, permanent: bool = False) -> None:
    """Called with the record when a declaration reaches SUCCESS (WeChat pushes
    the payment record to customs)."""
    if fn not in _pushers:
        _pushers.append(fn)
    if permanent:
        _permanent_pushers.add(id(fn))


def set_configurator(fn: Callable[[], SimConfig]) -> None:
    """Where a fresh simulator takes its configuration (the platform's settings)."""
    global _configure
    _configure = fn


def set_store(fn: Callable[[], Store]) -> None:
    """Where a fresh simulator keeps its state (the platform's database)."""
    global _store
    _store = fn


def lookup(transaction_id: str, out_trade_no: str = "") -> Txn | None:
    for fn, _ in _lookups:
        txn = fn(transaction_id)
        if txn is not None:
            return txn
    if TXN_PATTERN.match(transaction_id):
        return Txn(transaction_id=transaction_id, out_trade_no=out_trade_no)
    return None


def get() -> Simulator:
    global _sim
    with _state_lock:
        if _sim is None:
            _sim = Simulator(_configure() if _configure else None,
                             _store() if _store else None)
        return _sim


def reset() -> None:
    """Drop this process's simulator (a stored state is read again on next use;
    each test's database starts empty) and the hooks tests registered."""
    global _sim
    with _state_lock:
        _sim = None
        _lookups[:] = [(f, p) for f, p in _lookups if p]
        _pushers[:] = [f for f in _pushers if id(f) in _permanent_pushers]
