"""The Alibaba Cloud SMS adapter (shequn.accounts.aliyun_sms) against the fake
endpoint (shequn.accounts.smsfake) on a free loopback port: signature v1 and its
documented vector, sign-in end to end, every error code mapped, the fake's
refusals, local flow control, timeouts (no retry, "delayed") and masked logs."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import pytest
from django.test import Client

from shequn.accounts import aliyun_rpc, services, sms, smsfake
from shequn.accounts.aliyun_sms import AliyunSms, scrub
from shequn.accounts.models import OneTimeCode, User
from shequn.core import clock, pii
from shequn.core.errors import DomainError
from tests.builders import phone

pytestmark = pytest.mark.django_db

SECRET = smsfake.DEFAULT_KEY_SECRET


@pytest.fixture(scope="module")
def server():
    with smsfake.FakeServer() as srv:
        yield srv


@pytest.fixture
def fake(server):
    server.fake.reset()
    server.fake.limits = {"minute": 1, "hour": 5, "day": 10}
    server.fake.blacklist.clear()
    return server.fake


def _config(server, **over):
    conf = {"ACCESS_KEY_ID": smsfake.DEFAULT_KEY_ID, "ACCESS_KEY_SECRET": SECRET,
            "SIGN_NAME": smsfake.DEFAULT_SIGN_NAME,
            "TEMPLATE_CODE": smsfake.DEFAULT_TEMPLATE_CODE, "ENDPOINT": server.url,
            "REGION": "cn-hangzhou", "MAX_PER_MINUTE": 1, "MAX_PER_HOUR": 5, "MAX_PER_DAY": 10,
            "TIMEOUT": 2.0}
    conf.update(over)
    return conf


@pytest.fixture
def aliyun(settings, server, fake):
    """SHEQUN_SMS_PROVIDER=aliyun pointed at the fake."""
    settings.SHEQUN = {**settings.SHEQUN, "SMS_PROVIDER": "aliyun",
                       "ALIYUN_SMS": _config(server)}
    return fake


def _send(server, p, ref=None, **over):
    return AliyunSms(_config(server, **over)).send_code(p, "123456", 5,
                                                        ref=ref or uuid.uuid4().hex)


def _refused(code, fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as ei:
        fn(*args, **kw)
    assert ei.value.code == code, ei.value
    return ei.value


# -- signature v1 ---------------------------------------------------------------

VECTOR = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
          "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
          "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
          "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
          "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
          "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}


def test_signature_matches_the_documented_vector():
    assert aliyun_rpc.signature("testSecret", "GET", VECTOR) == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    signed = aliyun_rpc.percent_encode(aliyun_rpc.signature("testSecret", "GET", VECTOR))
    assert signed == "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"
    # Signature itself is never part of what is signed.
    assert aliyun_rpc.signature("testSecret", "GET", {**VECTOR, "Signature": "x"}) == \
        "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_rpc.string_to_sign("GET", VECTOR).startswith(
        "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123")


def test_percent_encoding_is_rfc3986():
    pe = aliyun_rpc.percent_encode
    assert pe("a b*c~d-_.") == "a%20b%2Ac~d-_."
    assert pe("+/=:") == "%2B%2F%3D%3A"
    assert pe("社") == "%E7%A4%BE"
    assert aliyun_rpc.canonicalized_query({"b": "2", "a": "1 1", "Signature": "s"}) == \
        "a=1%201&b=2"


def test_signed_query_is_accepted_by_the_fake_and_carries_every_common_parameter(fake):
    q = aliyun_rpc.signed_query(smsfake.DEFAULT_KEY_ID, SECRET,
                                {"PhoneNumbers": "13900000001", "SignName": "社群",
                                 "TemplateCode": smsfake.DEFAULT_TEMPLATE_CODE,
                                 "TemplateParam": '{"code":"654321"}'},
                                when=dt.datetime.now(dt.UTC))
    params = dict(urllib.parse.parse_qsl(q))
    assert set(smsfake.COMMON) <= set(params)
    assert params["SignatureMethod"] == "HMAC-SHA1" and params["SignatureVersion"] == "1.0"
    assert params["Format"] == "JSON" and params["RegionId"] == "cn-hangzhou"
    answer = fake.handle("GET", params)
    assert answer.status == 200 and answer.body["Code"] == "OK", answer.body
    assert answer.body["BizId"].endswith("^0") and answer.body["RequestId"]
    assert fake.last_code("13900000001") == "654321"


# -- end to end -----------------------------------------------------------------


def test_sign_in_end_to_end_through_the_api(aliyun):
    c = Client()
    p = phone(9101)
    r = c.post("/api/v1/auth/otp/request", {"phone": p}, content_type="application/json")
    assert r.status_code == 202, r.content
    assert r.json() == {"sent": True, "delayed": False, "demo_code": None}
    [msg] = aliyun.outbox(p)
    assert msg.sign_name == smsfake.DEFAULT_SIGN_NAME
    assert msg.template_code == smsfake.DEFAULT_TEMPLATE_CODE
    assert msg.params == {"code": msg.code} and len(msg.code) == 6
    assert msg.out_id.startswith("otp") and msg.code in msg.text
    r = c.post("/api/v1/auth/otp/verify", {"phone": p, "code": msg.code},
               content_type="application/json")
    assert r.status_code == 200, r.content
    assert User.objects.get(pk=r.json()["user_id"]).phone_hash == pii.lookup_hash(p)
    assert c.get("/api/v1/auth/me").json()["phone"] == "139****9101"


def test_sign_in_end_to_end_through_the_login_page(aliyun):
    c = Client()
    p = phone(9102)
    r = c.post("/login/code/", {"phone": p})
    assert r.status_code == 200
    assert "data-demo-code" not in r.content.decode()  # codes show only in the demo
    code = aliyun.last_code(p)
    r = c.post("/login/", {"mode": "phone", "phone": p, "code": code})
    assert r.status_code == 302, r.content
    assert c.get("/api/v1/auth/me").status_code == 200


def test_a_refusal_changes_nothing_and_the_earlier_code_still_signs_in(aliyun):
    p = phone(9103)
    assert services.request_code(p, "203.0.113.9") == sms.SENT
    first = aliyun.last_code(p)
    clock.advance(dt.timedelta(seconds=61))
    aliyun.inject("code", code="isv.AMOUNT_NOT_ENOUGH", message="账户余额不足")
    r = Client().post("/api/v1/auth/otp/request", {"phone": p},
                      content_type="application/json")
    assert r.status_code == 503, r.content
    body = r.json()
    assert body["code"] == "sms_quota_reached" and body["message_en"] and body["message"]
    assert OneTimeCode.objects.filter(phone_hash=pii.lookup_hash(p)).count() == 1
    assert services.verify_code(p, first).phone_hash == pii.lookup_hash(p)


# -- every error code --------------------------------------------------------------

MAPPED = [
    ("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", "sms_wait_minute"),
    ("isv.BUSINESS_LIMIT_CONTROL", "触发小时级流控Permits:5", "sms_wait_hour"),
    ("isv.BUSINESS_LIMIT_CONTROL", "触发天级流控Permits:10", "sms_wait_day"),
    ("isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", "sms_number_refused"),
    ("isv.BLACK_KEY_CONTROL_LIMIT", "黑名单管控", "sms_number_refused"),
    ("isv.AMOUNT_NOT_ENOUGH", "账户余额不足", "sms_quota_reached"),
    ("isv.OUT_OF_SERVICE", "业务停机", "sms_quota_reached"),
    ("isv.DAY_LIMIT_CONTROL", "触发日发送限额", "sms_quota_reached"),
    ("isv.MONTH_LIMIT_CONTROL", "触发月发送限额", "sms_quota_reached"),
    ("isp.SYSTEM_ERROR", "系统错误", "sms_busy"),
    ("Throttling.User", "Request was denied due to user flow control.", "sms_busy"),
    ("isv.SMS_SIGNATURE_ILLEGAL", "签名不合法", "sms_unavailable"),
    ("isv.SMS_TEMPLATE_ILLEGAL", "模板不合法", "sms_unavailable"),
    ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "签名适用场景不正确", "sms_unavailable"),
    ("isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量", "sms_unavailable"),
    ("isv.INVALID_JSON_PARAM", "JSON参数不合法", "sms_unavailable"),
    ("isv.PARAM_LENGTH_LIMIT", "参数超出长度限制", "sms_unavailable"),
    ("isv.PARAM_NOT_SUPPORT_URL", "不支持URL", "sms_unavailable"),
    ("isv.INVALID_PARAMETERS", "参数异常", "sms_unavailable"),
    ("isv.MOBILE_COUNT_OVER_LIMIT", "手机号码数量超过限制", "sms_unavailable"),
    ("isv.DENY_IP_RANGE", "源IP地址所在的地区被禁用", "sms_unavailable"),
    ("isv.ACCOUNT_NOT_EXISTS", "账户不存在", "sms_unavailable"),
    ("isv.ACCOUNT_ABNORMAL", "账户异常", "sms_unavailable"),
    ("isv.PRODUCT_UN_SUBSCRIPT", "未开通云通信产品", "sms_unavailable"),
    ("isp.RAM_PERMISSION_DENY", "RAM权限DENY", "sms_unavailable"),
    ("isv.SOMETHING_NEW", "unknown to this adapter", "sms_unavailable"),
]


@pytest.mark.parametrize("code,message,expected", MAPPED)
def test_each_provider_code_maps_to_a_coded_error(server, fake, caplog, code, message,
                                                  expected):
    p = phone(9200)
    fake.inject("code", code=code, message=message)
    with caplog.at_level(logging.INFO):
        err = _refused(expected, _send, server, p)
    assert err.message_en and err.as_dict()["code"] == expected
    assert fake.requests == 1 and not fake.outbox(p)
    loud = [r for r in caplog.records if r.name == "shequn.accounts.aliyun_sms"
            and r.levelno >= logging.ERROR]
    assert bool(loud) == (expected == "sms_unavailable"), caplog.text
    assert code in caplog.text


@pytest.mark.parametrize("status,code,expected", [
    (400, "SignatureDoesNotMatch", "sms_unavailable"),
    (404, "InvalidAccessKeyId.NotFound", "sms_unavailable"),
    (400, "InvalidTimeStamp.Expired", "sms_unavailable"),
    (400, "MissingParameter", "sms_unavailable"),
    (403, "isp.RAM_PERMISSION_DENY", "sms_unavailable"),
    (503, "ServiceUnavailable", "sms_busy"),
    (429, "Throttling.Api", "sms_busy"),
])
def test_gateway_errors_map_too(server, fake, status, code, expected):
    fake.inject("code", code=code, status=status)
    _refused(expected, _send, server, phone(9201))


def test_a_server_error_is_busy_and_frees_the_local_slot(server, fake):
    p = phone(9202)
    fake.inject("http500")
    _refused("sms_busy", _send, server, p)
    assert _send(server, p) == sms.SENT  # the failed call did not use the minute's send


def test_after_a_busy_provider_the_buyer_may_ask_again_at_once(aliyun):
    p = phone(9207)
    aliyun.inject("http500")
    _refused("sms_busy", services.request_code, p, "203.0.113.9")
    assert services.request_code(p, "203.0.113.9") == sms.SENT
    assert services.verify_code(p, aliyun.last_code(p)).phone_hash == pii.lookup_hash(p)
    # ...but not after a message that went out.
    _refused("rate_limited", services.request_code, p, "203.0.113.9")


def test_an_unreachable_endpoint_is_busy(server):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/"
    _refused("sms_busy", _send, server, phone(9203), ENDPOINT=closed)


def test_every_sms_error_has_an_english_message():
    from shequn.accounts.errors import SmsError

    codes = {e.value for e in SmsError}
    assert codes == {"sms_wait_minute", "sms_wait_hour", "sms_wait_day",
                     "sms_number_refused", "sms_quota_reached", "sms_unavailable",
                     "sms_busy"}
    assert all(e.en and e.status in (422, 429, 503) for e in SmsError)


def test_missing_configuration_is_unavailable_and_named_in_the_log(server, caplog):
    with caplog.at_level(logging.ERROR):
        _refused("sms_unavailable", _send, server, phone(9204), ACCESS_KEY_SECRET="",
                 TEMPLATE_CODE="")
    assert "ACCESS_KEY_SECRET, TEMPLATE_CODE" in caplog.text


def test_free_text_is_refused_aliyun_sends_by_template(server, fake):
    _refused("sms_unavailable", AliyunSms(_config(server)).send, phone(9205), "hello")
    assert fake.requests == 0


def test_a_wrong_secret_is_refused_by_the_fake_and_logged_loudly_without_the_number(
        server, fake, caplog):
    p = phone(9206)
    with caplog.at_level(logging.DEBUG):
        _refused("sms_unavailable", _send, server, p, ACCESS_KEY_SECRET="wrong-secret")
    assert "SignatureDoesNotMatch" in caplog.text and "139****9206" in caplog.text
    assert "server string to sign" in caplog.text and "******" in caplog.text
    assert p not in caplog.text and "wrong-secret" not in caplog.text
    assert "123456" not in caplog.text  # the code quoted in the string to sign


# -- the fake's gateway checks ---------------------------------------------------------


def _params(**over):
    p = {"AccessKeyId": smsfake.DEFAULT_KEY_ID, "Action": "SendSms", "Format": "JSON",
         "RegionId": "cn-hangzhou", "SignatureMethod": "HMAC-SHA1",
         "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
         "Timestamp": aliyun_rpc.timestamp(dt.datetime.now(dt.UTC)), "Version": "2017-05-25",
         "PhoneNumbers": "13900009300", "SignName": smsfake.DEFAULT_SIGN_NAME,
         "TemplateCode": smsfake.DEFAULT_TEMPLATE_CODE, "TemplateParam": '{"code":"123456"}',
         "OutId": "t1"}
    p.update(over)
    return {k: v for k, v in p.items() if v is not None}


def _signed(method="GET", secret=SECRET, **over):
    p = _params(**over)
    p["Signature"] = aliyun_rpc.signature(secret, method, p)
    return p


def _get(server, params):
    query = "&".join(f"{aliyun_rpc.percent_encode(k)}={aliyun_rpc.percent_encode(v)}"
                     for k, v in params.items())
    try:
        with urllib.request.urlopen(server.url + "?" + query, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_the_fake_accepts_a_correct_get_and_answers_the_documented_json(server, fake):
    status, raw = _get(server, _signed())
    body = json.loads(raw)
    assert status == 200 and body["Code"] == "OK" and body["Message"] == "OK"
    assert set(body) == {"Code", "Message", "BizId", "RequestId"}
    assert fake.last_code("13900009300") == "123456"


def test_the_fake_accepts_a_signed_post_form(server, fake):
    body = urllib.parse.urlencode(_signed("POST", PhoneNumbers="+8613900009301")).encode()
    req = urllib.request.Request(server.url, data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["Code"] == "OK"
    assert fake.outbox("13900009301")[0].text == (
        "【社群】您的登录验证码是 123456，5 分钟内有效，请勿告诉他人。")


def test_the_fake_answers_xml_when_asked(server, fake):
    status, raw = _get(server, _signed(Format="XML"))
    assert status == 200 and b"<Code>OK</Code>" in raw and raw.startswith(b"<?xml")


@pytest.mark.parametrize("params,status,code", [
    (lambda: {**_signed(), "Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}, 400,
     "SignatureDoesNotMatch"),
    (lambda: _signed(secret="not-the-secret"), 400, "SignatureDoesNotMatch"),
    (lambda: {**_signed(), "PhoneNumbers": "13900009399"}, 400, "SignatureDoesNotMatch"),
    (lambda: _signed(Timestamp=aliyun_rpc.timestamp(
        dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))), 400, "InvalidTimeStamp.Expired"),
    (lambda: _signed(Timestamp=aliyun_rpc.timestamp(
        dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16))), 400, "InvalidTimeStamp.Expired"),
    (lambda: _signed(Timestamp="2026-01-01 10:00:00"), 400, "InvalidTimeStamp.Format"),
    (lambda: _signed(AccessKeyId="someone-else"), 404, "InvalidAccessKeyId.NotFound"),
    (lambda: _signed(Action="SendBatchSms"), 404, "InvalidAction.NotFound"),
    (lambda: _signed(Version="2023-01-01"), 400, "InvalidVersion"),
    (lambda: _signed(Format="YAML"), 400, "InvalidParameter.Format"),
    (lambda: _signed(SignatureMethod="HMAC-SHA256"), 400, "InvalidSignatureMethod"),
    (lambda: _signed(SignatureVersion="2.0"), 400, "InvalidSignatureVersion"),
    (lambda: _signed(SignatureNonce=None), 400, "MissingParameter"),
    (lambda: _signed(Timestamp=None), 400, "MissingParameter"),
    (lambda: _params(), 400, "MissingParameter"),  # no Signature
])
def test_the_fake_refuses_what_aliyun_refuses(server, fake, params, status, code):
    got, raw = _get(server, params())
    body = json.loads(raw)
    assert (got, body["Code"]) == (status, code), body
    assert set(body) == {"RequestId", "HostId", "Code", "Message", "Recommend"}
    assert not fake.sent


def test_the_fake_says_which_string_it_signed():
    fake = smsfake.FakeAliyunSms()
    p = {**_signed(), "Signature": "AAAA"}
    answer = fake.handle("GET", p)
    assert answer.body["Message"].endswith(aliyun_rpc.string_to_sign("GET", p))


def test_the_fake_refuses_a_replayed_nonce(server, fake):
    p = _signed()
    assert _get(server, p)[0] == 200
    status, raw = _get(server, p)
    assert status == 400 and json.loads(raw)["Code"] == "SignatureNonceUsed"
    assert len(fake.sent) == 1


def test_a_nonce_is_remembered_for_the_whole_timestamp_window():
    now = [time.time()]
    fake = smsfake.FakeAliyunSms(clock=lambda: now[0])
    p = _signed()
    assert fake.handle("GET", p).body["Code"] == "OK"
    now[0] += 14 * 60
    assert fake.handle("GET", p).body["Code"] == "SignatureNonceUsed"
    now[0] += 2 * 60  # nonce forgotten, but the timestamp is now stale
    assert fake.handle("GET", p).body["Code"] == "InvalidTimeStamp.Expired"


@pytest.mark.parametrize("over,code", [
    ({"PhoneNumbers": "1390000930"}, "isv.MOBILE_NUMBER_ILLEGAL"),
    ({"PhoneNumbers": "12900009300"}, "isv.MOBILE_NUMBER_ILLEGAL"),
    ({"PhoneNumbers": ",".join(["13900009300"] * 1001)}, "isv.MOBILE_COUNT_OVER_LIMIT"),
    ({"SignName": "别人的签名"}, "isv.SMS_SIGNATURE_ILLEGAL"),
    ({"TemplateCode": "SMS_999"}, "isv.SMS_TEMPLATE_ILLEGAL"),
    ({"TemplateParam": '{"code": 123456}'}, "isv.INVALID_JSON_PARAM"),
    ({"TemplateParam": "code=1"}, "isv.INVALID_JSON_PARAM"),
    ({"TemplateParam": '{"name":"x"}'}, "isv.TEMPLATE_MISSING_PARAMETERS"),
])
def test_the_fake_checks_the_sendsms_parameters(over, code):
    answer = smsfake.FakeAliyunSms().handle("GET", _signed(**over))
    assert answer.status == 200 and answer.body["Code"] == code, answer.body


def test_the_fake_refuses_blacklisted_numbers():
    fake = smsfake.FakeAliyunSms(blacklist={"13900009300"})
    assert fake.handle("GET", _signed()).body["Code"] == "isv.BLACK_KEY_CONTROL_LIMIT"


def test_the_fake_enforces_aliyun_flow_control_per_sign_and_number():
    now = [time.time()]
    fake = smsfake.FakeAliyunSms(clock=lambda: now[0])

    def send(**over):
        stamp = aliyun_rpc.timestamp(dt.datetime.fromtimestamp(now[0], dt.UTC))
        return fake.handle("GET", _signed(Timestamp=stamp, **over)).body

    assert send()["Code"] == "OK"
    refused = send()
    assert refused == {"Code": "isv.BUSINESS_LIMIT_CONTROL",
                       "Message": "触发分钟级流控Permits:1", "RequestId": refused["RequestId"]}
    assert send(PhoneNumbers="13900009301")["Code"] == "OK"  # another number
    for _ in range(4):
        now[0] += 61
        assert send()["Code"] == "OK"
    now[0] += 61
    assert send()["Message"] == "触发小时级流控Permits:5"
    for _ in range(5):
        now[0] += 3601
        assert send()["Code"] == "OK"
    now[0] += 3601
    assert send()["Message"] == "触发天级流控Permits:10"
    now[0] += 86400
    assert send()["Code"] == "OK"


def test_aliyun_flow_control_reaches_the_buyer_as_wait_a_minute(server, fake):
    p = phone(9301)
    assert _send(server, p, MAX_PER_MINUTE=100) == sms.SENT
    _refused("sms_wait_minute", _send, server, p, MAX_PER_MINUTE=100)
    assert fake.requests == 2


def test_faults_can_be_queued_over_http(server, fake):
    req = urllib.request.Request(server.url + "_sim/faults", data=json.dumps(
        {"kind": "code", "code": "isv.AMOUNT_NOT_ENOUGH", "phone": "13900009302"}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read()) == {"queued": 1}
    _send(server, phone(9303))  # another number: not this fault's
    _refused("sms_quota_reached", _send, server, phone(9302))
    with urllib.request.urlopen(server.url + "_sim/outbox", timeout=5) as resp:
        listing = json.loads(resp.read())
    assert [m["to"] for m in listing] == ["139****9303"]
    assert "13900009303" not in json.dumps(listing)
    with urllib.request.urlopen(server.url + "_sim/outbox?phone=13900009303", timeout=5) as resp:
        assert json.loads(resp.read())[0]["code"] == "123456"


# -- local flow control ---------------------------------------------------------------


def test_local_flow_control_refuses_before_calling_out(server, fake):
    fake.limits = {"minute": 100, "hour": 100, "day": 100}
    p = phone(9400)
    assert _send(server, p) == sms.SENT
    err = _refused("sms_wait_minute", _send, server, p)
    assert 55 <= err.detail["retry_after"] <= 60
    assert fake.requests == 1
    for _ in range(4):
        clock.advance(dt.timedelta(seconds=61))
        assert _send(server, p) == sms.SENT
    clock.advance(dt.timedelta(seconds=61))
    err = _refused("sms_wait_hour", _send, server, p)
    assert 3600 - 5 * 61 - 5 <= err.detail["retry_after"] <= 3600 - 5 * 61 + 1
    for _ in range(5):
        clock.advance(dt.timedelta(seconds=3601))
        assert _send(server, p) == sms.SENT
    clock.advance(dt.timedelta(seconds=3601))
    _refused("sms_wait_day", _send, server, p)
    assert fake.requests == 10
    clock.advance(dt.timedelta(days=1))
    assert _send(server, p) == sms.SENT


def test_local_limits_are_configurable(server, fake):
    fake.limits = {"minute": 100, "hour": 100, "day": 100}
    p = phone(9401)
    for _ in range(3):
        assert _send(server, p, MAX_PER_MINUTE=3) == sms.SENT
    _refused("sms_wait_minute", _send, server, p, MAX_PER_MINUTE=3)
    assert fake.requests == 3


def test_the_same_ref_is_sent_once(server, fake):
    p = phone(9402)
    assert _send(server, p, ref="otp-once", MAX_PER_MINUTE=10) == sms.SENT
    assert _send(server, p, ref="otp-once", MAX_PER_MINUTE=10) == sms.SENT
    assert fake.requests == 1 and len(fake.outbox(p)) == 1


# -- timeouts ----------------------------------------------------------------------------


def test_a_timeout_is_not_retried_and_the_code_is_delayed(server, fake, caplog):
    p = phone(9500)
    fake.inject("timeout", delay=1.5)
    with caplog.at_level(logging.WARNING):
        assert _send(server, p, TIMEOUT=0.3) == sms.DELAYED
    assert fake.requests == 1  # no second request
    assert len(fake.outbox(p)) == 1  # the message went out all the same
    assert "not retried" in caplog.text
    # The slot is kept: the message may have gone out.
    _refused("sms_wait_minute", _send, server, p)


def test_a_delayed_code_still_signs_in_and_the_api_says_so(aliyun, settings):
    settings.SHEQUN["ALIYUN_SMS"]["TIMEOUT"] = 0.3
    p = phone(9501)
    aliyun.inject("timeout", delay=1.5)
    c = Client()
    r = c.post("/api/v1/auth/otp/request", {"phone": p}, content_type="application/json")
    assert r.status_code == 202 and r.json()["delayed"] is True, r.content
    assert aliyun.requests == 1
    r = c.post("/api/v1/auth/otp/verify", {"phone": p, "code": aliyun.last_code(p)},
               content_type="application/json")
    assert r.status_code == 200, r.content


def test_the_login_page_says_a_delayed_code_may_be_late(aliyun, settings):
    settings.SHEQUN["ALIYUN_SMS"]["TIMEOUT"] = 0.3
    aliyun.inject("timeout", delay=1.5)
    r = Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/code/", {"phone": phone(9502)})
    assert "may take a few minutes to arrive" in r.content.decode()


# -- logs --------------------------------------------------------------------------------


def test_phones_and_the_secret_never_appear_in_logs(aliyun, caplog, settings):
    numbers = [phone(9600 + i) for i in range(5)]
    with caplog.at_level(logging.DEBUG):
        services.request_code(numbers[0], "203.0.113.9")
        aliyun.inject("code", code="isv.SMS_TEMPLATE_ILLEGAL",
                      message=f"模板不合法 {numbers[1]}")
        _refused("sms_unavailable", services.request_code, numbers[1], "203.0.113.9")
        aliyun.inject("code", code="isv.MOBILE_NUMBER_ILLEGAL", message=f"+86{numbers[2]}")
        _refused("sms_number_refused", services.request_code, numbers[2], "203.0.113.9")
        settings.SHEQUN["ALIYUN_SMS"]["TIMEOUT"] = 0.3
        aliyun.inject("timeout", delay=1.0)
        assert services.request_code(numbers[3], "203.0.113.9") == sms.DELAYED
        settings.SHEQUN["ALIYUN_SMS"]["ACCESS_KEY_SECRET"] = "a-wrong-secret-value"
        _refused("sms_unavailable", services.request_code, numbers[4], "203.0.113.9")
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "139****9600" in text and "139****9604" in text
    for n in numbers:
        assert n not in text
    assert SECRET not in text and "a-wrong-secret-value" not in text


def test_scrub_masks_numbers_in_provider_messages():
    assert scrub("PhoneNumbers%3D13900009700%26x +8613900009701 a8613900009702") == \
        "PhoneNumbers%3D139****9700%26x 139****9701 a139****9702"


# -- configuration and the command ----------------------------------------------------------


def test_the_provider_is_chosen_by_setting(aliyun):
    sender = sms.get_sender()
    assert isinstance(sender, AliyunSms)
    assert SECRET not in repr(sender)


def test_settings_read_the_environment(monkeypatch):
    env = {"SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID": "id1", "SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET": "s1",
           "SHEQUN_ALIYUN_SMS_SIGN_NAME": "社群", "SHEQUN_ALIYUN_SMS_TEMPLATE_CODE": "SMS_1",
           "SHEQUN_ALIYUN_SMS_ENDPOINT": "http://127.0.0.1:8025/"}
    code = ("import json, shequn.settings as s; "
            "print(json.dumps(s.SHEQUN['ALIYUN_SMS'], ensure_ascii=False))")
    import os

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, env={**os.environ, **env, "SHEQUN_ENV": "demo"})
    conf = json.loads(out.stdout.strip().splitlines()[-1])
    assert conf["ACCESS_KEY_ID"] == "id1" and conf["ACCESS_KEY_SECRET"] == "s1"
    assert conf["SIGN_NAME"] == "社群" and conf["TEMPLATE_CODE"] == "SMS_1"
    assert conf["ENDPOINT"] == "http://127.0.0.1:8025/" and conf["REGION"] == "cn-hangzhou"
    assert (conf["MAX_PER_MINUTE"], conf["MAX_PER_HOUR"], conf["MAX_PER_DAY"]) == (1, 5, 10)


def test_the_sms_fake_command_serves(tmp_path):
    from pathlib import Path

    shequn = Path(sys.executable).with_name("shequn")
    proc = subprocess.Popen([str(shequn), "sms-fake", "--port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "Aliyun SMS fake on http://127.0.0.1:" in line, line
        assert smsfake.DEFAULT_KEY_SECRET not in line
        url = line.split(" on ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url + "_sim/health", timeout=5) as resp:
            assert json.loads(resp.read()) == {"ok": True}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
