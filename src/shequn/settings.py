"""Django settings. Configuration comes from the environment (ARCHITECTURE §6);
the defaults are safe for the local demo only."""

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SHEQUN_VAR_DIR", Path.cwd() / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEMO_SECRET = "shequn-demo-secret-key-not-for-production-000000000000"
SECRET_KEY = os.environ.get("SHEQUN_SECRET_KEY", DEMO_SECRET)
DEBUG = os.environ.get("SHEQUN_DEBUG", "1") == "1"
ALLOWED_HOSTS = os.environ.get("SHEQUN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# 32-byte urlsafe-base64 key for AES-GCM of personal data (ID numbers, phones).
SHEQUN_PII_KEY = os.environ.get("SHEQUN_PII_KEY", "ZGVtby1waWkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=")

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
    "shequn.inventory",
    "shequn.shops",
    "shequn.checkout",
    "shequn.orders",
    "shequn.payments",
    "shequn.distribution",
    "shequn.commission",
    "shequn.customs",
    "shequn.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "shequn.urls"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "shequn.wsgi.application"

_default_sqlite = f"sqlite:///{VAR_DIR / 'shequn.sqlite3'}"
# Connections: closed after each request by default; long-running workers keep
# theirs (`shequn worker` sets SHEQUN_DB_CONN_MAX_AGE), checked before reuse.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite),
        conn_max_age=int(os.environ.get("SHEQUN_DB_CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the demo's web thread and job thread share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"shequn": {"handlers": ["console"], "level": os.environ.get("SHEQUN_LOG", "INFO")}},
}

# Business settings (ARCHITECTURE §4; specs/cbec-customs.md §1.3).
# Mixed value types (ints, decimal strings, flags): typed loosely so callers
# convert at the point of use.
SHEQUN: dict[str, Any] = {
    "ORDER_PAYMENT_TIMEOUT_MINUTES": int(os.environ.get("SHEQUN_PAYMENT_TIMEOUT_MIN", "30")),
    "SINGLE_LIMIT": "5000.00",
    "ANNUAL_LIMIT": "26000.00",
    "MAX_LINES_PER_ORDER": 99,
    "MAX_QTY_PER_LINE": 99,
    "OTP_TTL_SECONDS": 300,
    "OTP_MAX_PER_PHONE_PER_HOUR": 5,
    "OTP_MIN_INTERVAL_SECONDS": 60,
    "OTP_MAX_PER_IP_PER_HOUR": 20,
    "OTP_MAX_ATTEMPTS": 5,
    "SHARE_TOKEN_MAX_AGE_DAYS": 30,
    # Payment provider simulator: HMAC-SHA256 secret shared with the "provider".
    "PAYMENT_SIM_SECRET": os.environ.get("SHEQUN_PAYMENT_SECRET", "demo-payment-hmac-secret"),
    "PAYMENT_PROVIDER": "simulator",
    "SMS_PROVIDER": "simulator",
    # The in-process outbox worker thread (embedded runtime) — off in tests.
    "INPROCESS_WORKER": os.environ.get("SHEQUN_INPROCESS_WORKER", "0") == "1",
    # Platform identity on customs messages (ebpCode).
    "PLATFORM_EBP_CODE": os.environ.get("SHEQUN_EBP_CODE", "3301960SQP"),
    "PLATFORM_EBP_NAME": os.environ.get("SHEQUN_EBP_NAME", "社群跨境电商平台"),
    # Customs single window: "embedded" (the simulator in this process) or the
    # URL of `shequn customs-sim` / a real terminal adapter (http://…/ceb).
    "CUSTOMS_GATEWAY": os.environ.get("SHEQUN_CUSTOMS_GATEWAY", "embedded"),
    "CUSTOMS_SIM": {},  # SimConfig overrides for the embedded simulator
    # Receipts pushed to /api/v1/customs/receipts must carry this bearer token.
    "CUSTOMS_RECEIPT_TOKEN": os.environ.get("SHEQUN_CUSTOMS_RECEIPT_TOKEN",
                                            "demo-customs-receipt-token"),
    "CEB_DXP_ID": os.environ.get("SHEQUN_CEB_DXP_ID", "DXPENT0000000001"),
    "CEB_PAY_CODE": os.environ.get("SHEQUN_CEB_PAY_CODE", "312226T001"),
    "CEB_PAY_NAME": "社群支付（模拟）",
    "CEB_CARRIER_CODE": os.environ.get("SHEQUN_CEB_CARRIER_CODE", "3301980101"),
    "CEB_CARRIER_NAME": "社群物流（模拟）",
    "CEB_KEY_FILE": os.environ.get("SHEQUN_CEB_KEY_FILE", ""),
    "CEB_CERT_FILE": os.environ.get("SHEQUN_CEB_CERT_FILE", ""),
    # After-sales: an order completes this many days after delivery when no
    # after-sales request is open; returns are accepted within RETURN_DAYS.
    "AFTER_SALES_DAYS": int(os.environ.get("SHEQUN_AFTER_SALES_DAYS", "7")),
    "RETURN_DAYS": 30,
}
