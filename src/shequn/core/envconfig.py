"""What each mode (``SHEQUN_ENV``: demo / staging / production) requires of the
environment, checked before Django starts (ARCHITECTURE §5).

Pure functions over a mapping of environment variables, no Django: settings.py
calls :func:`problems` and refuses to load when it finds any, so
``manage.py check``, gunicorn and the workers all exit non-zero with one line
per problem naming the variable. ``shequn secrets generate`` (:func:`generate`)
prints a complete env file that passes these checks.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

MODES = ("demo", "staging", "production")

# The published demo values. Outside demo each is refused by name.
DEMO_SECRET_KEY = "shequn-demo-secret-key-not-for-production-000000000000"
DEMO_PII_KEY = "ZGVtby1waWkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE="
DEMO_PAYMENT_SECRET = "demo-payment-hmac-secret"
DEMO_CUSTOMS_RECEIPT_TOKEN = "demo-customs-receipt-token"
DEMO_CARRIER_PUSH_TOKEN = "demo-carrier-push-token"
DEMO_SF_CHECK_WORD = "SQDEMOCHECKWORD"
# WeChat Official Account (web sign-in, JS-SDK): the demo talks to the
# in-process simulator under /_sim/wechat/ with these.
DEMO_WECHAT_APPID = "wx5348455155440de0"
DEMO_WECHAT_APPSECRET = "demo-wechat-appsecret-not-for-prod"
WECHAT_SIM_BASE = "/_sim/wechat"
DEMO_VALUES = frozenset({DEMO_SECRET_KEY, DEMO_PII_KEY, DEMO_PAYMENT_SECRET,
                         DEMO_CUSTOMS_RECEIPT_TOKEN, DEMO_CARRIER_PUSH_TOKEN,
                         DEMO_SF_CHECK_WORD, DEMO_WECHAT_APPSECRET})

# WeChat Pay customs declaration (API v2 key, 32 characters; customs.paydecl).
DEMO_WECHATPAY_V2_KEY = "shequn-demo-wxpay-v2-key-0000000"
DEMO_VALUES = DEMO_VALUES | {DEMO_WECHATPAY_V2_KEY}

# What `secrets generate` writes where only the operator can fill in a value.
PLACEHOLDER = "CHANGE-ME"

MIN_SECRET_KEY = 50
MIN_TOKEN = 32

SIMULATOR = "simulator"

# SHEQUN_SMS_PROVIDER values (shequn.accounts.sms._PROVIDERS), and what the
# Alibaba Cloud adapter needs (shequn.accounts.aliyun_sms).
SMS_PROVIDERS = (SIMULATOR, "aliyun")
ALIYUN_SMS_REQUIRED = {
    "SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID": "AccessKey ID",
    "SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET": "AccessKey secret",
    "SHEQUN_ALIYUN_SMS_SIGN_NAME": "approved signature (签名)",
    "SHEQUN_ALIYUN_SMS_TEMPLATE_CODE": "approved code template, e.g. SMS_123456789",
}


class ConfigurationRefused(Exception):
    """The environment does not satisfy the mode; ``lines`` says why, one per problem."""

    def __init__(self, mode: str, lines: list[str]) -> None:
        self.mode = mode
        self.lines = lines
        head = f"SHEQUN_ENV={mode}: the configuration is refused ({len(lines)} problem(s)):"
        super().__init__("\n".join([head, *("  - " + line for line in lines)]))


def mode_of(env: Mapping[str, str]) -> str:
    return (env.get("SHEQUN_ENV") or "demo").strip().lower()


@dataclass(frozen=True)
class Port:
    """An adapter to an outside system, and how its setting names a simulator."""

    name: str
    variable: str
    default: str
    is_simulator: Callable[[str], bool]


PORTS = (
    Port("SMS", "SHEQUN_SMS_PROVIDER", SIMULATOR, lambda v: v == SIMULATOR),
    Port("payment", "SHEQUN_PAYMENT_PROVIDER", SIMULATOR, lambda v: v == SIMULATOR),
    # "embedded" runs the single-window simulator inside this process; a URL is
    # the HTTP gateway (the `shequn customs-sim` process in staging).
    Port("customs gateway", "SHEQUN_CUSTOMS_GATEWAY", "embedded", lambda v: v == "embedded"),
    Port("commission payout", "SHEQUN_PAYOUT_PROVIDER", SIMULATOR, lambda v: v == SIMULATOR),
    Port("carrier", "SHEQUN_CARRIER_PROVIDER", SIMULATOR, lambda v: v == SIMULATOR),
    # "embedded" or the simulator's mounted address (…/sim/wxpay) is simulated.
    Port("WeChat Pay customs declaration", "SHEQUN_WECHATPAY_CUSTOMS_URL",
         "https://api.mch.weixin.qq.com",
         lambda v: v == "embedded" or "/sim/wxpay" in v),
)


def port_value(env: Mapping[str, str], port: Port) -> str:
    return (env.get(port.variable) or port.default).strip()


def simulated_ports(env: Mapping[str, str]) -> list[Port]:
    return [p for p in PORTS if p.is_simulator(port_value(env, p))]


def simulated_services(env: Mapping[str, str]) -> list[str]:
    """Every outside service this configuration reaches through a simulator or a
    fake: the ports above, and the real adapters pointed at a stand-in (WeChat Pay
    at /wxpaysim, WeChat sign-in at /_sim/wechat, Alibaba Cloud SMS at
    `shequn sms-fake`), which staging allows. Staging's 模拟环境 banner shows while
    this is not empty (production refuses each of them elsewhere)."""
    found = [p.name for p in simulated_ports(env)]
    if port_value(env, PORTS[1]) == "wechatpay":
        base = env.get("SHEQUN_WECHATPAY_BASE_URL", "").strip()
        if base == "demo" or "/wxpaysim" in base:
            found.append("WeChat Pay")
    if any("/_sim/" in env.get(name, "").strip() + "/"
           for name in ("SHEQUN_WECHAT_OAUTH_BASE_URL", "SHEQUN_WECHAT_API_BASE_URL")):
        found.append("WeChat sign-in")
    if port_value(env, PORTS[0]) == "aliyun":
        host = urlsplit(env.get("SHEQUN_ALIYUN_SMS_ENDPOINT", "").strip()).hostname or ""
        if host and not (host == "aliyuncs.com" or host.endswith(".aliyuncs.com")):
            found.append("SMS (Alibaba Cloud)")
    return found


def _secret(env: Mapping[str, str], name: str, min_len: int) -> str | None:
    value = env.get(name, "")
    if not value:
        return f"{name}: missing (run `shequn secrets generate`)"
    if value in DEMO_VALUES:
        return f"{name}: is the published demo value; generate a fresh one"
    if PLACEHOLDER in value:
        return f"{name}: still the placeholder {PLACEHOLDER}"
    if len(value) < min_len:
        return f"{name}: too short ({len(value)} characters, at least {min_len})"
    if len(set(value)) < 5:
        return f"{name}: too few distinct characters"
    return None


def _pii_key(env: Mapping[str, str]) -> str | None:
    value = env.get("SHEQUN_PII_KEY", "")
    if not value:
        return "SHEQUN_PII_KEY: missing (32 random bytes, urlsafe base64)"
    if value == DEMO_PII_KEY:
        return "SHEQUN_PII_KEY: is the published demo value; every ID number would be readable"
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return "SHEQUN_PII_KEY: not urlsafe base64"
    if len(raw) != 32:
        return f"SHEQUN_PII_KEY: decodes to {len(raw)} bytes, needs exactly 32"
    return None


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...], what: str) -> str | None:
    value = env.get(name, "")
    if not value:
        return f"{name}: missing ({what})"
    if PLACEHOLDER in value:
        return f"{name}: still the placeholder {PLACEHOLDER}"
    scheme = urlsplit(value).scheme
    if scheme not in schemes:
        return f"{name}: scheme {scheme or '(none)'!r} is not one of {', '.join(schemes)}"
    return None


def _text(env: Mapping[str, str], name: str, what: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return f"{name}: missing ({what})"
    if PLACEHOLDER in value:
        return f"{name}: still the placeholder {PLACEHOLDER}"
    return None


def _hosts(env: Mapping[str, str]) -> str | None:
    hosts = [h.strip() for h in env.get("SHEQUN_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        return "SHEQUN_ALLOWED_HOSTS: missing (the host names this site answers to)"
    if "*" in hosts:
        return "SHEQUN_ALLOWED_HOSTS: '*' accepts any Host header; list the names"
    if any(PLACEHOLDER in h for h in hosts):
        return f"SHEQUN_ALLOWED_HOSTS: still the placeholder {PLACEHOLDER}"
    return None


def _file(env: Mapping[str, str], name: str, what: str) -> str | None:
    value = env.get(name, "")
    if not value:
        return f"{name}: missing ({what})"
    if not Path(value).is_file():
        return f"{name}: no such file {value}"
    return None


def _sms(env: Mapping[str, str], mode: str) -> list[str]:
    """A known SMS provider and, for Alibaba Cloud, its account, signature and template."""
    provider = port_value(env, PORTS[0])
    if PLACEHOLDER in provider:
        return [f"SHEQUN_SMS_PROVIDER: still the placeholder {PLACEHOLDER}"]
    if provider not in SMS_PROVIDERS:
        return [f"SHEQUN_SMS_PROVIDER: {provider!r} is not one of {', '.join(SMS_PROVIDERS)}"]
    if provider != "aliyun":
        return []
    found: list[str | None] = []
    for name, what in ALIYUN_SMS_REQUIRED.items():
        value = env.get(name, "").strip()
        if not value:
            found.append(f"{name}: missing (SHEQUN_SMS_PROVIDER=aliyun needs the {what})")
        elif PLACEHOLDER in value:
            found.append(f"{name}: still the placeholder {PLACEHOLDER}")
    if env.get("SHEQUN_ALIYUN_SMS_ENDPOINT"):
        # Staging may point it at `shequn sms-fake`; production talks to Aliyun over TLS.
        found.append(_url(env, "SHEQUN_ALIYUN_SMS_ENDPOINT",
                          ("https",) if mode == "production" else ("http", "https"),
                          "the Dysmsapi endpoint"))
    return [p for p in found if p]


def _wechat(env: Mapping[str, str], mode: str) -> list[str | None]:
    """The WeChat Official Account (sign-in and JS-SDK): its AppID and AppSecret
    in every mode outside demo; the base URLs default to WeChat's own hosts. The
    simulator on this site (a URL whose path is under /_sim/) is for staging only."""
    found: list[str | None] = []
    appid = env.get("SHEQUN_WECHAT_APPID", "").strip()
    if not appid:
        found.append("SHEQUN_WECHAT_APPID: missing (the Official Account's AppID, wx…)")
    elif PLACEHOLDER in appid:
        found.append(f"SHEQUN_WECHAT_APPID: still the placeholder {PLACEHOLDER}")
    elif appid == DEMO_WECHAT_APPID:
        found.append("SHEQUN_WECHAT_APPID: is the published demo value")
    elif not (appid.startswith("wx") and len(appid) == 18 and appid.isalnum()):
        found.append("SHEQUN_WECHAT_APPID: not an AppID (wx followed by 16 letters or digits)")
    found.append(_secret(env, "SHEQUN_WECHAT_APPSECRET", 32))
    for name in ("SHEQUN_WECHAT_OAUTH_BASE_URL", "SHEQUN_WECHAT_API_BASE_URL"):
        value = env.get(name, "").strip()
        if not value:
            continue  # WeChat's own hosts
        if PLACEHOLDER in value:
            found.append(f"{name}: still the placeholder {PLACEHOLDER}")
            continue
        simulated = "/_sim/" in value + "/"
        if mode == "production":
            if simulated:
                found.append(f"{name}: points at the WeChat simulator ({value!r}); "
                             "production uses real adapters only")
            elif urlsplit(value).scheme != "https":
                found.append(f"{name}: must be https in production")
        elif not simulated and urlsplit(value).scheme not in ("http", "https"):
            found.append(f"{name}: neither an http(s) URL nor the simulator path "
                         f"{WECHAT_SIM_BASE}")
    return found


def problems(env: Mapping[str, str]) -> list[str]:
    """Every reason the environment cannot run in its mode (empty when it can)."""
    mode = mode_of(env)
    if mode not in MODES:
        return [f"SHEQUN_ENV: {mode!r} is not one of {', '.join(MODES)}"]
    if mode == "demo":
        return []
    found = [
        _secret(env, "SHEQUN_SECRET_KEY", MIN_SECRET_KEY),
        _pii_key(env),
        _hosts(env),
        _url(env, "DATABASE_URL", ("postgres", "postgresql", "pgsql"), "PostgreSQL"),
        _url(env, "REDIS_URL", ("redis", "rediss", "unix"),
             "Redis carries rate limits and caches across processes"),
        _url(env, "BROKER_URL", ("amqp", "amqps", "pyamqp"), "RabbitMQ for the job workers"),
        # Secrets of the adapters; every mode outside demo has them all.
        _secret(env, "SHEQUN_CUSTOMS_RECEIPT_TOKEN", MIN_TOKEN),
        # The carrier's route pushes come to a path holding this token (SF signs
        # nothing), in every mode: the simulator pushes there too.
        _secret(env, "SHEQUN_CARRIER_PUSH_TOKEN", MIN_TOKEN),
        _file(env, "SHEQUN_CEB_KEY_FILE", "the customs signing key, PEM"),
        _file(env, "SHEQUN_CEB_CERT_FILE", "the customs signing certificate, PEM"),
        # Printed into every unit's QR code: https in production (buyers' phones open it).
        _url(env, "SHEQUN_VERIFY_BASE_URL",
             ("https",) if mode == "production" else ("http", "https"),
             "the public address printed in unit QR codes"),
        # The privacy notice (/privacy/) names the processor and how to reach it
        # (PIPL Art. 17); without it a buyer has no one to ask.
        _text(env, "SHEQUN_PRIVACY_CONTACT",
              "an e-mail address or phone number for personal-information requests"),
    ]
    if env.get("SHEQUN_DEBUG", "0") not in ("", "0"):
        found.append(f"SHEQUN_DEBUG: DEBUG cannot be on in {mode}")
    payment = port_value(env, PORTS[1])
    if payment == SIMULATOR:
        # The simulator signs its notifications with this shared secret.
        found.append(_secret(env, "SHEQUN_PAYMENT_SECRET", MIN_TOKEN))
    if payment == "wechatpay":
        found.extend(_wechatpay(env, mode))
    if port_value(env, PORTS[4]) == "sf":
        # SF Express's open platform: the account and its check word (校验码) that
        # signs every request; no demo values outside demo.
        found.append(_secret(env, "SHEQUN_SF_CHECK_WORD", 16))
        for name in ("SHEQUN_SF_PARTNER_ID", "SHEQUN_SF_MONTHLY_CARD"):
            if not env.get(name, "").strip() or PLACEHOLDER in env.get(name, ""):
                found.append(f"{name}: missing (the SF Express account of the warehouse)")
    if env.get("SHEQUN_METRICS_TOKEN"):
        found.append(_secret(env, "SHEQUN_METRICS_TOKEN", MIN_TOKEN))
    found += _sms(env, mode)
    found.extend(_wechat(env, mode))
    found.extend(wechatpay_customs_problems(env))
    if mode == "production":
        for port in simulated_ports(env):
            found.append(f"{port.variable}: the {port.name} port is configured to a simulator "
                         f"({port_value(env, port)!r}); production uses real adapters only")
    return [p for p in found if p]


# WeChat Pay's `customs` codes (specs/wechat-channel.md §4.3; "NO" declares nothing).
WECHATPAY_CUSTOMS_CODES = frozenset({
    "GUANGZHOU_ZS", "HANGZHOU_ZS", "NINGBO", "ZHENGZHOU_BS", "CHONGQING", "SHANGHAI_ZS",
    "SHENZHEN", "ZHENGZHOU_ZH_ZS", "TIANJIN", "ZONGSHU", "GUANGZHOU", "HANGZHOU", "XIAN",
    "SHANGHAI", "ZHENGZHOU_ZH", "GUANGZHOU_HP_GJ", "GUANGZHOU_NS_GJ"})
_WECHATPAY_VARS = ("SHEQUN_WECHATPAY_CUSTOMS", "SHEQUN_WECHATPAY_MCH_CUSTOMS_NO",
                   "SHEQUN_WECHATPAY_V2_KEY")


def wechatpay_customs_problems(env: Mapping[str, str]) -> list[str]:
    """Outside demo, once WeChat Pay is configured: what its customs declaration
    (支付单报关) needs. Orders paid with WeChat Pay cannot clear without it."""
    mode = mode_of(env)
    provider = port_value(env, PORTS[1]).lower()
    if mode == "demo" or not (any(env.get(v, "").strip() for v in _WECHATPAY_VARS)
                              or "wechat" in provider):
        return []
    # appid and mch_id are the WeChat Pay adapter's (checked by _wechatpay).
    found: list[str | None] = []
    customs = env.get("SHEQUN_WECHATPAY_CUSTOMS", "").strip()
    if not customs:
        found.append("SHEQUN_WECHATPAY_CUSTOMS: missing (the customs office code WeChat Pay "
                     "declares payments to, e.g. ZHENGZHOU_BS)")
    elif customs not in WECHATPAY_CUSTOMS_CODES:
        found.append(f"SHEQUN_WECHATPAY_CUSTOMS: {customs!r} is not a WeChat Pay customs code "
                     "(NO would declare nothing)")
    number = env.get("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO", "").strip()
    if not number or PLACEHOLDER in number:
        found.append("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO: missing (the merchant's customs "
                     "registration number at that office)")
    elif not (number.isalnum() and number.isascii() and len(number) <= 32):
        found.append("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO: letters and digits only, at most 32")
    key = env.get("SHEQUN_WECHATPAY_V2_KEY", "")
    problem = _secret(env, "SHEQUN_WECHATPAY_V2_KEY", 32)
    if problem is None and len(key) != 32:
        problem = f"SHEQUN_WECHATPAY_V2_KEY: must be 32 characters (is {len(key)})"
    if problem is None and key in (env.get("SHEQUN_WECHATPAY_APIV3_KEY"),
                                   env.get("SHEQUN_WECHATPAY_API_V3_KEY")):
        problem = "SHEQUN_WECHATPAY_V2_KEY: is the APIv3 key; the v2 API key is another one"
    found.append(problem)
    sign_type = env.get("SHEQUN_WECHATPAY_V2_SIGN_TYPE", "").strip()
    if sign_type and sign_type not in ("MD5", "HMAC-SHA256"):
        found.append("SHEQUN_WECHATPAY_V2_SIGN_TYPE: MD5 or HMAC-SHA256")
    url = env.get("SHEQUN_WECHATPAY_CUSTOMS_URL", "").strip()
    if url and url != "embedded":
        found.append(_url(env, "SHEQUN_WECHATPAY_CUSTOMS_URL",
                          ("https",) if mode == "production" else ("http", "https"),
                          "WeChat Pay's API address"))
    poll = env.get("SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS", "").strip()
    if poll and not (poll.isdigit() and 10 <= int(poll) <= 3600):
        found.append("SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS: whole seconds from 10 to 3600")
    return [p for p in found if p]


WECHATPAY_OFFICIAL = ("https://api.mch.weixin.qq.com", "https://api2.mch.weixin.qq.com")


def _wechatpay(env: Mapping[str, str], mode: str) -> list[str | None]:
    """SHEQUN_PAYMENT_PROVIDER=wechatpay: the merchant's account, keys and URLs
    (payments/wechatpay/config.py). Production talks to WeChat itself; staging
    may point BASE_URL at the simulator (/wxpaysim) of a staging host."""
    p = "SHEQUN_WECHATPAY_"
    found: list[str | None] = []
    mchid = env.get(p + "MCHID", "").strip()
    # The official account's AppID (SHEQUN_WECHAT_APPID, OAuth) unless set apart.
    appid = (env.get(p + "APPID", "") or env.get("SHEQUN_WECHAT_APPID", "")).strip()
    if not mchid.isdigit():
        found.append(f"{p}MCHID: missing or not the digits of the merchant number")
    if not (appid.startswith("wx") and 3 < len(appid) <= 32):
        found.append(f"{p}APPID: missing or not an AppID (wx…) bound to the merchant "
                     "(defaults to SHEQUN_WECHAT_APPID)")
    found.append(_file(env, p + "MERCHANT_KEY", "the merchant API private key, apiclient_key.pem"))
    serial = env.get(p + "MERCHANT_SERIAL", "").strip()
    try:
        int(serial, 16)
    except ValueError:
        found.append(f"{p}MERCHANT_SERIAL: missing or not the hex serial of the merchant "
                     "certificate")
    apiv3 = env.get(p + "APIV3_KEY", "")
    if len(apiv3.encode()) != 32 or PLACEHOLDER in apiv3:
        found.append(f"{p}APIV3_KEY: must be the 32-character APIv3 key")
    elif len(set(apiv3)) < 8:
        found.append(f"{p}APIV3_KEY: too few distinct characters")
    if env.get(p + "PLATFORM_CERT"):
        found.append(_file(env, p + "PLATFORM_CERT", "the WeChat Pay platform certificate"))
    elif env.get(p + "PUBLIC_KEY"):
        found.append(_file(env, p + "PUBLIC_KEY", "the WeChat Pay public key"))
        if not env.get(p + "PUBLIC_KEY_ID", "").startswith("PUB_KEY_ID_"):
            found.append(f"{p}PUBLIC_KEY_ID: missing (PUB_KEY_ID_… of the public key)")
    else:
        found.append(f"{p}PLATFORM_CERT or {p}PUBLIC_KEY: missing (what verifies WeChat's "
                     "signatures)")
    base = env.get(p + "BASE_URL", "").rstrip("/")
    if mode == "production" and base and base not in WECHATPAY_OFFICIAL:
        found.append(f"{p}BASE_URL: production talks to {WECHATPAY_OFFICIAL[0]} only "
                     f"(not {base!r})")
    elif base == "demo":
        found.append(f"{p}BASE_URL: the in-process simulator is for the demo only")
    elif base:
        found.append(_url(env, p + "BASE_URL", ("https",) if mode == "production"
                          else ("http", "https"), "WeChat Pay API base"))
    # WeChat notifies only https addresses without a query string.
    found.append(_url(env, p + "NOTIFY_BASE", ("https",) if mode == "production"
                      else ("http", "https"), "the public base URL of /pay/wechat/notify"))
    if env.get(p + "NOTIFY_BASE") and urlsplit(env[p + "NOTIFY_BASE"]).query:
        found.append(f"{p}NOTIFY_BASE: no query string allowed")
    return found


def check(env: Mapping[str, str]) -> str:
    """The mode, or raise :class:`ConfigurationRefused` listing every problem."""
    found = problems(env)
    if found:
        raise ConfigurationRefused(mode_of(env), found)
    return mode_of(env)


def _token(nbytes: int = 32) -> str:
    # URL-safe base64 may begin with "-": such a value passed as a command-line
    # argument ("--callback-token $TOKEN") reads as an option. Draw again.
    while True:
        token = secrets.token_urlsafe(nbytes)
        if not token.startswith("-"):
            return token


def generate(mode: str, key_file: str, cert_file: str) -> str:
    """A complete env file for ``mode`` with fresh secrets. Values only the
    operator knows (host names, service URLs, real adapter credentials) are
    the local defaults for staging and placeholders for production."""
    if mode not in ("staging", "production"):
        raise ValueError("mode must be staging or production")
    prod = mode == "production"
    pii = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    lines = [
        f"# Shequn {mode} environment, generated by `shequn secrets generate`.",
        "# Keep it secret: it holds the keys to every buyer's personal data.",
        f"SHEQUN_ENV={mode}",
        f"SHEQUN_SECRET_KEY={_token(48)}",
        "# Personal-data key (AES-GCM of ID numbers and phones). Back it up: losing it",
        "# loses every stored ID number; changing it needs a re-encryption run.",
        f"SHEQUN_PII_KEY={pii}",
        f"SHEQUN_ALLOWED_HOSTS={PLACEHOLDER + '.example.com' if prod else '127.0.0.1,localhost'}",
        "# Addresses of the TLS proxy in front of gunicorn (X-Forwarded-For/-Proto trusted",
        "# from these only).",
        "SHEQUN_TRUSTED_PROXIES=127.0.0.1,::1",
        "DATABASE_URL=" + ("postgres://shequn:" + PLACEHOLDER + "@db.internal:5432/shequn"
                           if prod else "postgres://postgres@127.0.0.1:5432/shequn"),
        "REDIS_URL=" + ("redis://redis.internal:6379/0" if prod
                        else "redis://127.0.0.1:6379/0"),
        "BROKER_URL=" + ("amqp://shequn:" + PLACEHOLDER + "@mq.internal:5672/shequn" if prod
                         else "amqp://guest:guest@127.0.0.1:5672//"),
        f"SHEQUN_METRICS_TOKEN={_token(32)}",
        f"SHEQUN_CUSTOMS_RECEIPT_TOKEN={_token(32)}",
        f"SHEQUN_CARRIER_PUSH_TOKEN={_token(32)}",
        "# The public address printed in every unit's QR code (GS1 Digital Link).",
        *([] if prod else [
            "# Staging: this host's own address (as SHEQUN_ALLOWED_HOSTS), so a generated",
            "# file runs as it is; set the public https address before printing labels",
            "# that leave the building (they would send a buyer's phone to localhost)."]),
        "SHEQUN_VERIFY_BASE_URL=" + (f"https://{PLACEHOLDER}.example.com" if prod
                                     else "http://127.0.0.1:8000"),
        "# Where people ask about their personal information (named on /privacy/).",
        "SHEQUN_PRIVACY_CONTACT=" + (f"privacy@{PLACEHOLDER}.example.com" if prod
                                     else "privacy@staging.shequn.example"),
        "# Customs signing key and certificate (the E-port certificate in production).",
        f"SHEQUN_CEB_KEY_FILE={key_file}",
        f"SHEQUN_CEB_CERT_FILE={cert_file}",
    ]
    if prod:
        lines += [
            "# Real adapters: production refuses to start while any port is a simulator.",
            f"SHEQUN_SMS_PROVIDER={PLACEHOLDER}",
            f"SHEQUN_PAYMENT_PROVIDER={PLACEHOLDER}",
            f"SHEQUN_CUSTOMS_GATEWAY=https://{PLACEHOLDER}.example.com/ceb",
            f"SHEQUN_PAYOUT_PROVIDER={PLACEHOLDER}",
            f"SHEQUN_CARRIER_PROVIDER={PLACEHOLDER}",
            "# With SHEQUN_CARRIER_PROVIDER=sf: the SF Express open-platform account.",
            f"SHEQUN_SF_PARTNER_ID={PLACEHOLDER}",
            f"SHEQUN_SF_CHECK_WORD={PLACEHOLDER}",
            f"SHEQUN_SF_MONTHLY_CARD={PLACEHOLDER}",
            "# With SHEQUN_SMS_PROVIDER=aliyun: the Alibaba Cloud SMS account (a RAM user",
            "# allowed dysms:SendSms), the approved signature and code template (${code}).",
            f"SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID={PLACEHOLDER}",
            f"SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET={PLACEHOLDER}",
            f"SHEQUN_ALIYUN_SMS_SIGN_NAME={PLACEHOLDER}",
            f"SHEQUN_ALIYUN_SMS_TEMPLATE_CODE={PLACEHOLDER}",
            "# The WeChat Official Account (web sign-in, JS-SDK share cards).",
            f"SHEQUN_WECHAT_APPID={PLACEHOLDER}",
            f"SHEQUN_WECHAT_APPSECRET={PLACEHOLDER}",
        ]
    else:
        lines += [
            "# Simulators (staging only; pages show a 模拟环境 banner). The customs",
            "# simulator runs as its own process: `shequn customs-sim --port 8701`.",
            "SHEQUN_SMS_PROVIDER=simulator",
            "# Or Alibaba Cloud SMS against its fake (`shequn sms-fake --port 8025`):",
            "# SHEQUN_SMS_PROVIDER=aliyun, SHEQUN_ALIYUN_SMS_ENDPOINT=http://127.0.0.1:8025/",
            "# and SHEQUN_ALIYUN_SMS_{ACCESS_KEY_ID,ACCESS_KEY_SECRET,SIGN_NAME,TEMPLATE_CODE}.",
            "SHEQUN_PAYMENT_PROVIDER=simulator",
            f"SHEQUN_PAYMENT_SECRET={_token(32)}",
            "SHEQUN_CUSTOMS_GATEWAY=http://127.0.0.1:8701/ceb",
            "SHEQUN_PAYOUT_PROVIDER=simulator",
            "SHEQUN_CARRIER_PROVIDER=simulator",
            "# WeChat: a test AppID against the simulator on this site (/_sim/wechat/).",
            "SHEQUN_WECHAT_APPID=wx" + secrets.token_hex(8),
            f"SHEQUN_WECHAT_APPSECRET={secrets.token_hex(16)}",
            f"SHEQUN_WECHAT_OAUTH_BASE_URL={WECHAT_SIM_BASE}",
            f"SHEQUN_WECHAT_API_BASE_URL={WECHAT_SIM_BASE}",
        ]
    return "\n".join(lines) + "\n"
