"""Django settings. Configuration comes from the environment (ARCHITECTURE §5, §6).

``SHEQUN_ENV`` picks the mode: ``demo`` (default; demo secrets, SQLite, simulators
in process), ``staging`` and ``production`` (secrets required and checked, HTTPS,
PostgreSQL, Redis, RabbitMQ; production refuses simulators). The checks live in
``shequn.core.envconfig`` and run before anything else here, so a refused
configuration stops ``manage.py``, gunicorn and the workers alike.
"""

import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF

from shequn.core import envconfig

SHEQUN_ENV = envconfig.check(os.environ)
DEMO = SHEQUN_ENV == "demo"
_env = os.environ.get

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(_env("SHEQUN_VAR_DIR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Demo values exist in demo mode only; envconfig refused their absence elsewhere.
SECRET_KEY = _env("SHEQUN_SECRET_KEY", envconfig.DEMO_SECRET_KEY if DEMO else "")
DEBUG = DEMO and _env("SHEQUN_DEBUG", "1") == "1"
ALLOWED_HOSTS = [h.strip() for h in _env(
    "SHEQUN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEMO else "").split(",")
    if h.strip()]

# 32-byte urlsafe-base64 key for AES-GCM of personal data (ID numbers, phones).
SHEQUN_PII_KEY = _env("SHEQUN_PII_KEY", envconfig.DEMO_PII_KEY if DEMO else "")

# Addresses of the TLS proxies in front of the web processes: X-Forwarded-For,
# -Proto and X-Request-ID are believed only from these (shequn.core.netaddr).
SHEQUN_TRUSTED_PROXIES = [p.strip() for p in _env("SHEQUN_TRUSTED_PROXIES", "").split(",")
                          if p.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from local static files, not a CDN
    "shequn.core",
    "shequn.accounts",
    "shequn.catalog",
    "shequn.brands",
    "shequn.inventory",
    "shequn.shops",
    "shequn.quota",
    "shequn.checkout",
    "shequn.orders",
    "shequn.payments",
    "shequn.distribution",
    "shequn.logistics",
    "shequn.commission",
    "shequn.customs",
    "shequn.trace",
    "shequn.demo",
    "shequn.web",
]

MIDDLEWARE = [
    # Drops X-Forwarded-Proto from untrusted peers before is_secure() reads it.
    "shequn.core.netaddr.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "shequn.core.requestid.RequestIdMiddleware",
    "shequn.web.runtime.middleware.MetricsMiddleware",
    # django-csp's, with the common header built once (web/runtime/csp.py).
    "shequn.web.runtime.csp.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shequn.api.middleware.ApiGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

if not DEMO:
    # gunicorn has no static file server: whitenoise serves the collected files.
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                      "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "shequn.urls"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # First, so its admin/base_site.html (the staging banner) wins over admin's.
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "shequn.web.context_processors.environment",
            ],
        },
    },
]

WSGI_APPLICATION = "shequn.wsgi.application"

_default_sqlite = f"sqlite:///{VAR_DIR / 'shequn.sqlite3'}"
# Connections: the demo closes them after each request; staging and production
# keep them (a new connection per request cost 35 % of purchase throughput),
# checked before reuse, for SHEQUN_DB_CONN_MAX_AGE seconds. Long-running workers
# keep theirs in every mode (`shequn worker` sets the variable).
DATABASES = {
    "default": dj_database_url.parse(
        _env("DATABASE_URL", _default_sqlite),
        conn_max_age=int(_env("SHEQUN_DB_CONN_MAX_AGE", "0" if DEMO else "600")),
        conn_health_checks=True,
    )
}
if "postgresql" in DATABASES["default"]["ENGINE"]:
    # Django's backend with a health check that asks the socket before it asks
    # the server (core/postgresql: no SELECT 1 round trip on every request).
    DATABASES["default"]["ENGINE"] = "shequn.core.postgresql"
    # Fail fast (readiness probes, scrapes) instead of hanging on an unreachable server.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(
        _env("SHEQUN_DB_CONNECT_TIMEOUT", "5"))
    # Statements Shequn prepares itself (core.prepared: the verify page's lookups
    # over monthly partitions) run their generic plan: re-planning one per
    # execution cost 0.45 ms against 0.1 ms of running it. Django's own
    # statements are never prepared (client-side binding), so nothing else changes.
    DATABASES["default"]["OPTIONS"]["options"] = "-c plan_cache_mode=force_generic_plan"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the demo's web thread and job thread share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis (required outside demo) carries rate limits, caches and the simulators'
# inboxes across processes and hosts; the demo's single process uses memory.
REDIS_URL = _env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL, "KEY_PREFIX": _env("SHEQUN_CACHE_PREFIX", ""),
                          "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if not DEMO:
    # Sessions live in Redis outside demo: a signed-in request then costs no
    # session SELECT and no UPDATE/COMMIT when the session changes (about 11
    # statements and 5 transactions per purchase). Redis must not evict them:
    # run it with maxmemory-policy noeviction (README, Deploying).
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# Interface text is written in English in the code (msgids) and shown in
# Simplified Chinese unless the browser (Accept-Language) or the footer switch
# (a cookie set by django.views.i18n.set_language) asks for English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the switch is remembered beyond the session
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(_env("SHEQUN_STATIC_ROOT", VAR_DIR / "static"))
# Outside demo, whitenoise serves the collected files (`shequn collectstatic`)
# with hashed names and far-future caching; the demo serves them from the apps.
# Uploaded files (return photos; brand images later). Never served as /media/:
# each kind is served by a view that checks who may see it. The "default"
# storage is the switch to object storage.
MEDIA_ROOT = Path(_env("SHEQUN_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES: dict[str, Any] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Product pictures are public (served by a cacheable view): their own storage, so
    # object storage can replace it (SHEQUN_PRODUCT_IMAGES_STORAGE = a backend path,
    # SHEQUN_PRODUCT_IMAGES_OPTIONS = its OPTIONS as JSON).
    "product_images": {
        "BACKEND": _env("SHEQUN_PRODUCT_IMAGES_STORAGE",
                        "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": (json.loads(_env("SHEQUN_PRODUCT_IMAGES_OPTIONS", "{}"))
                    if _env("SHEQUN_PRODUCT_IMAGES_STORAGE", "") else
                    {"location": str(Path(MEDIA_ROOT) / "products")}),
    },
    "staticfiles": {"BACKEND": (
        "django.contrib.staticfiles.storage.StaticFilesStorage" if DEMO
        else "whitenoise.storage.CompressedManifestStaticFilesStorage")},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEMO:
    # HTTPS by default. The TLS proxy tells us the scheme in SHEQUN_PROXY_SSL_HEADER
    # (believed from SHEQUN_TRUSTED_PROXIES only: shequn.core.netaddr).
    _proxy_header = _env("SHEQUN_PROXY_SSL_HEADER", "X-Forwarded-Proto")
    if _proxy_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
    SECURE_SSL_REDIRECT = _env("SHEQUN_SSL_REDIRECT", "1") == "1"
    # Probes and the metrics scraper talk to the process directly, over HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(_env("SHEQUN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env("SHEQUN_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = _env("SHEQUN_HSTS_PRELOAD", "1") == "1"
    CSRF_TRUSTED_ORIGINS = [f"https://{h.lstrip('.')}" for h in ALLOWED_HOSTS
                            if h != "*" and not h.startswith(".")]
    SESSION_COOKIE_AGE = int(_env("SHEQUN_SESSION_SECONDS", str(14 * 24 * 3600)))

# Content-Security-Policy in every mode, so the demo and the browser tests
# catch what production would block: scripts only from our origin or with the
# per-response nonce, no inline styles or handlers, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

_LOG_LEVEL = _env("SHEQUN_LOG", "INFO")
# Demo: readable lines. Staging/production: one JSON object per line with the
# request id; phone and ID numbers masked by a filter as a safety net.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shequn.core.requestid.RequestIdFilter"},
                "pii": {"()": "shequn.core.requestid.PiiMaskFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] "
                                       "%(message)s"},
                   "json": {"()": "shequn.core.logjson.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler",
                             "formatter": "plain" if DEMO else "json",
                             "filters": ["request_id", "pii"]}},
    # Not propagated: gunicorn's JSON configuration gives the root logger a
    # handler of its own, which wrote every application line a second time.
    "loggers": {"shequn": {"handlers": ["console"], "level": _LOG_LEVEL,
                           "propagate": False},
                "django": {"handlers": ["console"], "level": "WARNING",
                           "propagate": False},
                "gunicorn.error": {"handlers": ["console"], "level": "INFO",
                                   "propagate": False}},
}

# Business settings (ARCHITECTURE §4; specs/cbec-customs.md §1.3).
# Mixed value types (ints, decimal strings, flags): typed loosely so callers
# convert at the point of use.
SHEQUN: dict[str, Any] = {
    "ORDER_PAYMENT_TIMEOUT_MINUTES": int(_env("SHEQUN_PAYMENT_TIMEOUT_MIN", "30")),
    "SINGLE_LIMIT": "5000.00",
    "ANNUAL_LIMIT": "26000.00",
    "MAX_LINES_PER_ORDER": 99,
    "MAX_QTY_PER_LINE": 99,
    "OTP_TTL_SECONDS": 300,
    "OTP_MAX_PER_PHONE_PER_HOUR": 5,
    "OTP_MIN_INTERVAL_SECONDS": 60,
    # Per address only against bulk abuse: a whole WeChat group may share one
    # carrier-grade NAT address, so the tight limits are per phone / account.
    "OTP_MAX_PER_IP_PER_HOUR": int(_env("SHEQUN_OTP_MAX_PER_IP_PER_HOUR", "200")),
    # Password sign-in (staff, admin): failures per (account, address) lock that
    # pair only; per account from all addresses and per address over all
    # accounts are looser backstops against distributed guessing and spraying.
    "LOGIN_MAX_FAILURES_PER_HOUR": int(_env("SHEQUN_LOGIN_MAX_FAILURES", "10")),
    "LOGIN_MAX_FAILURES_PER_ACCOUNT_PER_HOUR": 50,
    "LOGIN_MAX_FAILURES_PER_IP_PER_HOUR": 200,
    "OTP_MAX_ATTEMPTS": 5,
    "SHARE_TOKEN_MAX_AGE_DAYS": 30,
    # Payment provider simulator: HMAC-SHA256 secret shared with the "provider".
    "PAYMENT_SIM_SECRET": _env("SHEQUN_PAYMENT_SECRET",
                               envconfig.DEMO_PAYMENT_SECRET if DEMO else ""),
    # Ports to outside systems ("simulator" or a real adapter; envconfig.PORTS).
    "PAYMENT_PROVIDER": _env("SHEQUN_PAYMENT_PROVIDER", "simulator"),
    "SMS_PROVIDER": _env("SHEQUN_SMS_PROVIDER", "simulator"),
    "COMMISSION_PAYOUT_PROVIDER": {"simulator": "shequn.commission.payout.SimulatedPayout"}.get(
        _env("SHEQUN_PAYOUT_PROVIDER", "simulator"), _env("SHEQUN_PAYOUT_PROVIDER", "")),
    # Simulators answer (and their staff pages are mounted) outside production only.
    "SIMULATORS_MOUNTED": SHEQUN_ENV != "production",
    # Staging shows a 模拟环境 banner while any port is a simulator.
    "SIMULATED_PORTS": envconfig.simulated_services(os.environ),
    # /metrics: scrapers from these addresses, or with this bearer token.
    "METRICS_TOKEN": _env("SHEQUN_METRICS_TOKEN", ""),
    # Loopback only by default in the demo: behind a same-host proxy missing from
    # SHEQUN_TRUSTED_PROXIES every client would look like 127.0.0.1.
    "METRICS_ALLOW": [a.strip() for a in _env("SHEQUN_METRICS_ALLOW",
                                              "127.0.0.1,::1" if DEMO else "").split(",")
                      if a.strip()],
    # The in-process outbox worker thread (embedded runtime) — off in tests.
    "INPROCESS_WORKER": _env("SHEQUN_INPROCESS_WORKER", "0") == "1",
    # Platform identity on customs messages (ebpCode).
    "PLATFORM_EBP_CODE": _env("SHEQUN_EBP_CODE", "3301960SQP"),
    "PLATFORM_EBP_NAME": _env("SHEQUN_EBP_NAME", "社群跨境电商平台"),
    # Where people ask about their personal information (PIPL Art. 17: the
    # privacy notice names the processor and how to reach it).
    "PRIVACY_CONTACT": _env("SHEQUN_PRIVACY_CONTACT", "privacy@shequn.example" if DEMO else ""),
    # Customer service for buyers (a phone number, an e-mail address or an https
    # link, e.g. WeChat customer service): shown on the order and return pages.
    # No default in any mode: an unconfigured platform shows no contact at all.
    "SUPPORT_CONTACT": _env("SHEQUN_SUPPORT_CONTACT", ""),
    # Customs single window: "embedded" (the simulator in this process) or the
    # URL of `shequn customs-sim` / a real terminal adapter (http://…/ceb).
    "CUSTOMS_GATEWAY": _env("SHEQUN_CUSTOMS_GATEWAY", "embedded"),
    # SimConfig overrides for the embedded simulator; its state is kept in the
    # database (customs.SimulatorState) unless "snapshot_path" names a JSON file.
    "CUSTOMS_SIM": {},
    # Receipts pushed to /api/v1/customs/receipts must carry this bearer token.
    "CUSTOMS_RECEIPT_TOKEN": _env("SHEQUN_CUSTOMS_RECEIPT_TOKEN",
                                  envconfig.DEMO_CUSTOMS_RECEIPT_TOKEN if DEMO else ""),
    "CEB_DXP_ID": _env("SHEQUN_CEB_DXP_ID", "DXPENT0000000001"),
    "CEB_PAY_CODE": _env("SHEQUN_CEB_PAY_CODE", "312226T001"),
    "CEB_PAY_NAME": "社群支付（模拟）",
    "CEB_CARRIER_CODE": _env("SHEQUN_CEB_CARRIER_CODE", "3301980101"),
    "CEB_CARRIER_NAME": "社群物流（模拟）",
    "CEB_KEY_FILE": _env("SHEQUN_CEB_KEY_FILE", ""),
    "CEB_CERT_FILE": _env("SHEQUN_CEB_CERT_FILE", ""),
    # Carrier port (SHEQUN_CARRIER_PROVIDER): "simulator" = the SF simulator, in
    # this process (demo) or at CARRIER_SIM_URL (`shequn carrier-sim`, staging);
    # "sf" = SF Express at CARRIER_SF["url"] (production).
    "CARRIER_PROVIDER": _env("SHEQUN_CARRIER_PROVIDER", "simulator"),
    "CARRIER_SIM_URL": _env("SHEQUN_CARRIER_SIM_URL", ""),
    "CARRIER_SF": {"url": _env("SHEQUN_SF_URL", "https://sfapi.sf-express.com/std/service"),
                   # Demo values in demo only (envconfig requires real ones for "sf").
                   "partner_id": _env("SHEQUN_SF_PARTNER_ID", "SQDEMO" if DEMO else ""),
                   "check_word": _env("SHEQUN_SF_CHECK_WORD",
                                      envconfig.DEMO_SF_CHECK_WORD if DEMO else ""),
                   "monthly_card": _env("SHEQUN_SF_MONTHLY_CARD",
                                        "7551234567" if DEMO else "")},
    # SimConfig overrides of the embedded carrier simulator (route delays in
    # seconds after handover, limits). The demo runs a parcel's route in 90 s.
    "CARRIER_SIM": ({"transit_delay": 20, "arrive_delay": 40, "out_delay": 60,
                     "deliver_delay": 90} if DEMO else {}),
    # Route pushes are accepted at /carrier/push/<token>/ only (SF signs nothing).
    "CARRIER_PUSH_TOKEN": _env("SHEQUN_CARRIER_PUSH_TOKEN",
                               envconfig.DEMO_CARRIER_PUSH_TOKEN if DEMO else ""),
    # The sender printed on labels and sent to the carrier (the bonded warehouse).
    "CARRIER_SENDER": {"name": "社群保税仓", "mobile": "13800000000", "province": "浙江省",
                       "city": "宁波市", "county": "北仑区",
                       "address": "保税区港东大道 1 号"},
    # A shipped order counts as delivered this many days after shipping when
    # neither the carrier nor the buyer said so before.
    "AUTO_DELIVER_DAYS": int(_env("SHEQUN_AUTO_DELIVER_DAYS", "15")),
    # After-sales: an order completes this many days after delivery when no
    # after-sales request is open; returns are accepted within RETURN_DAYS.
    "AFTER_SALES_DAYS": int(_env("SHEQUN_AFTER_SALES_DAYS", "7")),
    "RETURN_DAYS": 30,
    # Batches expiring within this many days cannot be sold, unless the product's
    # category has its own inventory.ShelfLifeRule (formula and food are stricter).
    "SHELF_LIFE_MIN_DAYS": int(_env("SHEQUN_SHELF_LIFE_MIN_DAYS", "30")),
    # Printed into every unit's QR code (GS1 Digital Link): the public site that
    # answers /01/<gtin>/10/<lot>/21/<serial>. Printed codes outlive deployments,
    # so outside demo it is set deliberately (envconfig requires it).
    # In the demo, unset means the address the demo is being served on (labels
    # printed from it open the page on whatever port it runs).
    "VERIFY_BASE_URL": _env("SHEQUN_VERIFY_BASE_URL", "").rstrip("/"),
}

# WeChat official account (specs/wechat-channel.md §1, §2): OAuth sign-in
# (accounts/wechat.py) and the JS-SDK share cards (accounts/wechat_jssdk.py).
# A base URL starting with "/" is the simulator mounted on this site (the demo's
# /_sim/wechat): server-to-server calls go to it in process; the browser is sent
# to OAUTH_BASE_URL on this site. JS_DOMAIN: the JS安全域名 (comma-separated, no
# scheme or port); pages on another host get no wx.config. Outside demo
# envconfig requires APPID/APPSECRET and refuses the simulator in production.
SHEQUN["WECHAT"] = {
    "APPID": _env("SHEQUN_WECHAT_APPID", envconfig.DEMO_WECHAT_APPID if DEMO else ""),
    "APPSECRET": _env("SHEQUN_WECHAT_APPSECRET",
                      envconfig.DEMO_WECHAT_APPSECRET if DEMO else ""),
    "OAUTH_BASE_URL": _env("SHEQUN_WECHAT_OAUTH_BASE_URL",
                           envconfig.WECHAT_SIM_BASE if DEMO
                           else "https://open.weixin.qq.com").rstrip("/"),
    "API_BASE_URL": _env("SHEQUN_WECHAT_API_BASE_URL",
                         envconfig.WECHAT_SIM_BASE if DEMO
                         else "https://api.weixin.qq.com").rstrip("/"),
    "JS_DOMAIN": _env("SHEQUN_WECHAT_JS_DOMAIN", ""),
}

# Alibaba Cloud SMS (SHEQUN_SMS_PROVIDER=aliyun; shequn.accounts.aliyun_sms). The
# sign-in code goes out by template: TEMPLATE_CODE must take one variable ${code}.
# Staging may point ENDPOINT at the fake server (`shequn sms-fake --port 8025`).
# MAX_PER_* are Aliyun's flow control for codes per number (console defaults),
# enforced here before calling out; TIMEOUT is the seconds one request may take.
SHEQUN["ALIYUN_SMS"] = {
    "ACCESS_KEY_ID": _env("SHEQUN_ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "ACCESS_KEY_SECRET": _env("SHEQUN_ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "SIGN_NAME": _env("SHEQUN_ALIYUN_SMS_SIGN_NAME", ""),
    "TEMPLATE_CODE": _env("SHEQUN_ALIYUN_SMS_TEMPLATE_CODE", ""),
    "ENDPOINT": _env("SHEQUN_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    "REGION": _env("SHEQUN_ALIYUN_SMS_REGION", "cn-hangzhou"),
    "MAX_PER_MINUTE": int(_env("SHEQUN_ALIYUN_SMS_MAX_PER_MINUTE", "1")),
    "MAX_PER_HOUR": int(_env("SHEQUN_ALIYUN_SMS_MAX_PER_HOUR", "5")),
    "MAX_PER_DAY": int(_env("SHEQUN_ALIYUN_SMS_MAX_PER_DAY", "10")),
    "TIMEOUT": float(_env("SHEQUN_ALIYUN_SMS_TIMEOUT", "5")),
}

# WeChat Pay API v3 (payments/wechatpay; used when SHEQUN_PAYMENT_PROVIDER=wechatpay).
# Paths name PEM files; BASE_URL "demo" is the in-process simulator (/wxpaysim/), whose
# demo keys are generated into VAR_DIR/wechatpay-demo/ on first use (envconfig checks
# the real values outside demo). NOTIFY_BASE is the public https base of notify_url.
SHEQUN["WECHATPAY"] = {
    name: _env(f"SHEQUN_WECHATPAY_{name}", "")
    for name in ("MCHID", "APPID", "MERCHANT_KEY", "MERCHANT_SERIAL", "APIV3_KEY",
                 "PLATFORM_CERT", "PUBLIC_KEY", "PUBLIC_KEY_ID", "NOTIFY_BASE")}
SHEQUN["WECHATPAY"]["BASE_URL"] = _env("SHEQUN_WECHATPAY_BASE_URL",
                                       "demo" if DEMO else "https://api.mch.weixin.qq.com")
# The simulator: notification retry schedule in seconds (None = WeChat's documented
# 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h); tests compress it.
SHEQUN["WECHATPAY_SIM"] = {"RETRY_SCHEDULE": None, "SIGN_WITH": "certificate"}
# In WeChat's browser a signed-out buyer is signed in silently (web/account/wechat.py).
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "shequn.web.account.wechat.WeChatSignInMiddleware")

# WeChat Pay customs declaration (支付单报关, customs.paydecl; specs/wechat-channel.md
# §4). appid and mch_id are the WeChat Pay adapter's (SHEQUN_WECHATPAY_APPID /
# _MCHID). "embedded" (the demo default) is the simulator in this process;
# outside demo WeChat's own API (envconfig checks the key and the customs code).
SHEQUN.update({
    "WECHATPAY_CUSTOMS": _env("SHEQUN_WECHATPAY_CUSTOMS", "HANGZHOU_ZS" if DEMO else ""),
    "WECHATPAY_MCH_CUSTOMS_NO": _env("SHEQUN_WECHATPAY_MCH_CUSTOMS_NO",
                                     "3301960SQP" if DEMO else ""),
    "WECHATPAY_V2_KEY": _env("SHEQUN_WECHATPAY_V2_KEY",
                             envconfig.DEMO_WECHATPAY_V2_KEY if DEMO else ""),
    "WECHATPAY_V2_SIGN_TYPE": _env("SHEQUN_WECHATPAY_V2_SIGN_TYPE", "MD5"),
    "WECHATPAY_CUSTOMS_URL": _env("SHEQUN_WECHATPAY_CUSTOMS_URL",
                                  "embedded" if DEMO else "https://api.mch.weixin.qq.com"),
    "WECHATPAY_CUSTOMS_POLL_SECONDS": int(_env("SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS", "60")),
})
