"""Client of the customs declaration API v2 (§4.2–4.4): submit
(``customdeclareorder``), query (``customdeclarequery``) and re-push
(``customdeclareredeclare``). XML bodies signed with the v2 key (MD5 or
HMAC-SHA256, no client certificate). Every ``return_code=SUCCESS`` answer must
carry a valid signature and name our appid and mch_id, or it is refused
(``SignatureRefused``) and nothing of it is used."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Protocol

from shequn.customs.wxdeclare import codec, signing

log = logging.getLogger("shequn.customs.wxdeclare")

DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
PATH_DECLARE = "/cgi-bin/mch/customs/customdeclareorder"
PATH_QUERY = "/cgi-bin/mch/customs/customdeclarequery"
PATH_REDECLARE = "/cgi-bin/mch/newcustoms/customdeclareredeclare"
PATHS = (PATH_DECLARE, PATH_QUERY, PATH_REDECLARE)

# `customs` codes (§4.3): current ones and the legacy codes older SDKs carry.
CUSTOMS_CODES = frozenset({
    "NO", "GUANGZHOU_ZS", "HANGZHOU_ZS", "NINGBO", "ZHENGZHOU_BS", "CHONGQING", "SHANGHAI_ZS",
    "SHENZHEN", "ZHENGZHOU_ZH_ZS", "TIANJIN", "ZONGSHU"})
LEGACY_CUSTOMS_CODES = frozenset({
    "GUANGZHOU", "HANGZHOU", "XIAN", "SHANGHAI", "ZHENGZHOU_ZH", "GUANGZHOU_HP_GJ",
    "GUANGZHOU_NS_GJ"})

# `state` values (§4.3) and cert_check_result.
UNDECLARED, SUBMITTED, PROCESSING = "UNDECLARED", "SUBMITTED", "PROCESSING"
SUCCESS, FAIL, EXCEPT = "SUCCESS", "FAIL", "EXCEPT"
WX_STATES = (UNDECLARED, SUBMITTED, PROCESSING, SUCCESS, FAIL, EXCEPT)
SAME, DIFFERENT, UNCHECKED = "SAME", "DIFFERENT", "UNCHECKED"
CERT_RESULTS = (SAME, DIFFERENT, UNCHECKED)
# "您的操作已提交,请确认是否已生效": the record exists already (a repeated ADD).
ALREADY_SUBMITTED = "35311004"


class WxDeclareError(RuntimeError):
    """The call did not give a usable answer; ``retryable`` says whether the
    same call may simply be made again later."""

    retryable = True

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class TransportError(WxDeclareError):
    """No answer (network, timeout, HTTP error)."""


class CommunicationFailed(WxDeclareError):
    """``return_code=FAIL``: WeChat refused the request itself (its signature,
    a malformed field); retrying the same request does not help."""

    retryable = False


class SignatureRefused(WxDeclareError):
    """The answer is not signed with our key, or names another merchant."""


class Transport(Protocol):
    def post(self, path: str, body: bytes) -> bytes: ...


class HttpTransport:
    def __init__(self, base_url: str = DEFAULT_BASE_URL, timeout: float = 10.0) -> None:
        self.base_url, self.timeout = base_url.rstrip("/"), timeout

    def post(self, path: str, body: bytes) -> bytes:
        url = self.base_url + path
        if not url.startswith(("https://", "http://")):
            raise TransportError(f"not an http(s) URL: {url}")
        request = urllib.request.Request(url, data=body, method="POST",  # noqa: S310
                                         headers={"Content-Type": "text/xml; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:  # noqa: S310
                data: bytes = resp.read(codec.MAX_BYTES + 1)
                return data
        except urllib.error.HTTPError as exc:
            raise TransportError(f"HTTP {exc.code} from {url}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise TransportError(f"{url}: {exc}") from exc


@dataclass(frozen=True)
class Credentials:
    appid: str
    mch_id: str
    key: str
    sign_type: str = signing.MD5


@dataclass(frozen=True)
class DeclareRequest:
    out_trade_no: str
    transaction_id: str
    customs: str
    mch_customs_no: str
    action_type: str = "ADD"
    duty: int | None = None
    sub_order_no: str = ""
    fee_type: str = ""
    order_fee: int | None = None
    transport_fee: int | None = None
    product_fee: int | None = None
    cert_type: str = ""
    cert_id: str = ""
    name: str = ""

    def params(self) -> dict[str, object]:
        out: dict[str, object] = {
            "out_trade_no": self.out_trade_no, "transaction_id": self.transaction_id,
            "customs": self.customs, "mch_customs_no": self.mch_customs_no,
            "action_type": self.action_type, "duty": self.duty}
        if self.sub_order_no:
            out.update(sub_order_no=self.sub_order_no, fee_type=self.fee_type or "CNY",
                       order_fee=self.order_fee, transport_fee=self.transport_fee,
                       product_fee=self.product_fee)
        if self.cert_id and self.name:
            out.update(cert_type=self.cert_type or "IDCARD", cert_id=self.cert_id.upper(),
                       name=self.name)
        return out


@dataclass(frozen=True)
class DeclareResult:
    """The answer to a submit or a re-push (return_code SUCCESS, signature good)."""

    result_code: str
    err_code: str = ""
    err_code_des: str = ""
    state: str = ""
    transaction_id: str = ""
    out_trade_no: str = ""
    sub_order_no: str = ""
    sub_order_id: str = ""
    modify_time: str = ""
    cert_check_result: str = ""
    verify_department: str = ""
    verify_department_trade_id: str = ""

    @property
    def ok(self) -> bool:
        return self.result_code == "SUCCESS"


@dataclass(frozen=True)
class QueryItem:
    sub_order_no: str = ""
    sub_order_id: str = ""
    mch_customs_no: str = ""
    customs: str = ""
    fee_type: str = ""
    order_fee: str = ""
    duty: str = ""
    transport_fee: str = ""
    product_fee: str = ""
    state: str = ""
    explanation: str = ""
    modify_time: str = ""
    cert_check_result: str = ""


@dataclass(frozen=True)
class QueryResult:
    result_code: str
    err_code: str = ""
    err_code_des: str = ""
    transaction_id: str = ""
    items: tuple[QueryItem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.result_code == "SUCCESS"

    def item(self, sub_order_no: str = "") -> QueryItem | None:
        for item in self.items:
            if item.sub_order_no == sub_order_no:
                return item
        return self.items[0] if self.items and not sub_order_no else None


_ITEM_FIELDS = tuple(QueryItem.__dataclass_fields__)
_DECLARE_FIELDS = tuple(DeclareResult.__dataclass_fields__)


class Client:
    def __init__(self, credentials: Credentials, transport: Transport) -> None:
        self.credentials, self.transport = credentials, transport

    # ----------------------------------------------------------------- wire
    def _call(self, path: str, params: dict[str, object], *, with_sign_type: bool
              ) -> dict[str, str]:
        c = self.credentials
        body: dict[str, object] = {"appid": c.appid, "mch_id": c.mch_id, **params}
        if with_sign_type and c.sign_type != signing.MD5:
            body["sign_type"] = c.sign_type
        body = {k: v for k, v in body.items() if v is not None and str(v) != ""}
        body["sign"] = signing.sign(body, c.key, c.sign_type)
        raw = self.transport.post(path, codec.dumps(body))
        try:
            answer = codec.loads(raw)
        except codec.CodecError as exc:
            raise TransportError(f"unreadable answer from {path}: {exc}") from exc
        if answer.get("return_code") != "SUCCESS":
            raise CommunicationFailed(answer.get("return_msg", "") or "return_code FAIL",
                                      code=answer.get("return_code", ""))
        if not signing.verify(answer, c.key, c.sign_type):
            log.error("wechat customs answer from %s refused: bad signature", path)
            raise SignatureRefused(f"answer from {path} has a bad signature", code="bad_sign")
        for name, ours in (("appid", c.appid), ("mch_id", c.mch_id)):
            if answer.get(name, ours) != ours:
                raise SignatureRefused(f"answer from {path} names {name}={answer.get(name)}",
                                       code="wrong_merchant")
        return answer

    # ------------------------------------------------------------- calls
    def declare(self, request: DeclareRequest) -> DeclareResult:
        """Submit (ADD) or change (MODIFY) the declaration of one payment or
        sub-order (``customdeclareorder``; the documented list has no nonce)."""
        answer = self._call(PATH_DECLARE, request.params(), with_sign_type=True)
        return DeclareResult(**{k: answer.get(k, "") for k in _DECLARE_FIELDS})

    def query(self, customs: str, *, out_trade_no: str = "", transaction_id: str = "",
              sub_order_no: str = "", sub_order_id: str = "") -> QueryResult:
        answer = self._call(PATH_QUERY, {
            "customs": customs, "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "sub_order_no": sub_order_no, "sub_order_id": sub_order_id}, with_sign_type=True)
        return parse_query(answer)

    def redeclare(self, customs: str, mch_customs_no: str, *, out_trade_no: str = "",
                  transaction_id: str = "", sub_order_no: str = "", sub_order_id: str = ""
                  ) -> DeclareResult:
        answer = self._call(PATH_REDECLARE, {
            "customs": customs, "mch_customs_no": mch_customs_no,
            "out_trade_no": out_trade_no, "transaction_id": transaction_id,
            "sub_order_no": sub_order_no, "sub_order_id": sub_order_id}, with_sign_type=True)
        return DeclareResult(**{k: answer.get(k, "") for k in _DECLARE_FIELDS})


def parse_query(answer: dict[str, str]) -> QueryResult:
    """The ``_$n`` layout of a query answer into items."""
    try:
        count = int(answer.get("count") or 0)
    except ValueError:
        count = 0
    items = tuple(QueryItem(**{f: answer.get(f"{f}_{n}", "") for f in _ITEM_FIELDS})
                  for n in range(max(0, min(count, 100))))
    return QueryResult(result_code=answer.get("result_code", ""),
                       err_code=answer.get("err_code", ""),
                       err_code_des=answer.get("err_code_des", ""),
                       transaction_id=answer.get("transaction_id", ""), items=items)


def query_fields(item: QueryItem, n: int) -> dict[str, str]:
    """The inverse of ``parse_query`` for one item (the simulator answers with it)."""
    return {f"{f}_{n}": getattr(item, f) for f in _ITEM_FIELDS if getattr(item, f) != ""}
