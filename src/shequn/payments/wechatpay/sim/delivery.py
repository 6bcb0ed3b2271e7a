"""The simulator's notification pushes (§3.4): each notification is encrypted
with the APIv3 key, signed with the platform key (or the public key), POSTed to
its notify_url and re-pushed on WeChat's schedule until answered 200/204.

``deliver_due()`` sends what is due; the simulator calls it after every API call
and payment (and ``POST /wxpaysim/_sim/deliver`` does, for a timer or a test).
Faults queued in the database (``queue_fault``): ``drop`` (the push is lost: an
attempt that counts as failed), ``duplicate`` (pushed twice), ``reorder`` (held
back REORDER_HOLD seconds, so later ones arrive first).

Delivery is over HTTP, except with the in-process configuration (demo), where
the notify URL's path is resolved to Shequn's view and called directly.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from shequn.core import clock
from shequn.payments.sim_models import WxSimFault, WxSimNotification, WxSimRefund
from shequn.payments.wechatpay import crypto
from shequn.payments.wechatpay.config import get_config
from shequn.payments.wechatpay.sim.keys import keys

log = logging.getLogger("shequn.payments.wechatpay.sim")

# 15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h (24h4m), §3.4.
SCHEDULE = (15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800,
            21600, 21600)
REORDER_HOLD = 60
FAULTS = ("drop", "duplicate", "reorder")


def schedule() -> tuple[int, ...]:
    custom = (settings.SHEQUN.get("WECHATPAY_SIM") or {}).get("RETRY_SCHEDULE")
    return tuple(custom) if custom is not None else SCHEDULE


def queue_fault(kind: str, count: int = 1, key: str = "") -> None:
    if kind not in FAULTS:
        raise ValueError(f"unknown fault {kind!r} (one of {', '.join(FAULTS)})")
    WxSimFault.objects.create(kind=kind, key=key, remaining=count, created_at=clock.now())


def _take_fault(kind: str, key: str) -> bool:
    with transaction.atomic():
        fault = (WxSimFault.objects.select_for_update()
                 .filter(kind=kind, remaining__gt=0, key__in=["", key]).order_by("id").first())
        if fault is None:
            return False
        fault.remaining -= 1
        if fault.remaining:
            fault.save(update_fields=["remaining"])
        else:
            fault.delete()
        return True


def enqueue(url: str, event_type: str, key: str, plaintext: dict[str, Any], *,
            original_type: str, refund: WxSimRefund | None = None) -> WxSimNotification:
    now = clock.now()
    hold = REORDER_HOLD if _take_fault("reorder", key) else 0
    return WxSimNotification.objects.create(
        url=url, event_type=event_type, key=key, refund=refund,
        plaintext=json.dumps({"original_type": original_type, "data": plaintext},
                             ensure_ascii=False),
        envelope_id="EV-" + now.strftime("%Y%m%d%H%M%S") + secrets.token_hex(6).upper(),
        next_at=now + dt.timedelta(seconds=hold), created_at=now)


def _settle_refund(note: WxSimNotification) -> dict[str, Any]:
    """A refund becomes SUCCESS when its notification is first pushed."""
    with transaction.atomic():
        refund = WxSimRefund.objects.select_for_update().select_related("trade").get(
            pk=int(note.refund_id or 0))
        if refund.status == "PROCESSING":
            refund.status = "SUCCESS"
            refund.success_time = clock.now()
            refund.save(update_fields=["status", "success_time"])
    trade = refund.trade
    when = refund.success_time.astimezone(clock.now().tzinfo).isoformat(timespec="seconds") \
        if refund.success_time else ""
    return {"mchid": trade.mchid, "out_trade_no": trade.out_trade_no,
            "transaction_id": trade.transaction_id, "out_refund_no": refund.out_refund_no,
            "refund_id": refund.refund_id, "refund_status": refund.status,
            "success_time": when, "user_received_account": "支付用户零钱",
            "amount": {"total": trade.amount_total, "refund": refund.amount,
                       "payer_total": trade.amount_total, "payer_refund": refund.amount}}


def build(note: WxSimNotification) -> tuple[dict[str, str], bytes]:
    """The notification as WeChat sends it: envelope JSON and signed headers."""
    cfg = get_config()
    stored = json.loads(note.plaintext)
    data = _settle_refund(note) if note.refund_id else stored["data"]
    original_type = stored["original_type"]
    resource = crypto.encrypt_resource(cfg.apiv3_key, json.dumps(
        data, ensure_ascii=False, separators=(",", ":")).encode(), associated_data=original_type,
        original_type=original_type)
    envelope = {"id": note.envelope_id,
                "create_time": note.created_at.astimezone(clock.now().tzinfo)
                .isoformat(timespec="seconds"),
                "resource_type": "encrypt-resource", "event_type": note.event_type,
                "summary": "支付成功" if original_type == "transaction" else "退款成功",
                "resource": resource}
    body = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
    k = keys()
    mode = (settings.SHEQUN.get("WECHATPAY_SIM") or {}).get("SIGN_WITH", "certificate")
    if mode == "random":
        mode = secrets.choice(["certificate", "public_key"])
    if mode == "public_key":
        headers = crypto.signed_headers(k.public_key, k.public_key_id, body)
    else:
        headers = crypto.signed_headers(k.platform_key, k.platform_serial, body)
    return headers, body


def _post(url: str, headers: dict[str, str], body: bytes) -> int:
    if get_config().in_process:
        return _post_in_process(url, headers, body)
    req = urllib.request.Request(url, data=body, method="POST",  # noqa: S310
                                 headers={**headers, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310  (answer in 5 s)
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return int(err.code)
    except (urllib.error.URLError, TimeoutError, OSError):
        return 0


def _post_in_process(url: str, headers: dict[str, str], body: bytes) -> int:
    from django.test import RequestFactory
    from django.urls import Resolver404, resolve

    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return 404
    meta: dict[str, Any] = {"HTTP_" + k.upper().replace("-", "_"): v
                            for k, v in headers.items()}
    request = RequestFactory().post(path, data=body, content_type="application/json", **meta)
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except Exception:  # the receiver crashed: a 500 to WeChat, which retries
        log.exception("wxpaysim: notify %s raised", path)
        return 500
    return int(response.status_code)


def _claim(now: dt.datetime) -> WxSimNotification | None:
    """The next due notification, its attempt counted and its next try set before
    it is sent (so two processes never push the same attempt)."""
    with transaction.atomic():
        note = (WxSimNotification.objects.select_for_update()
                .filter(state="pending", next_at__lte=now).order_by("next_at", "id").first())
        if note is None:
            return None
        steps = schedule()
        note.attempts += 1
        if note.attempts > len(steps):
            note.state = "gave_up"
        else:
            note.next_at = now + dt.timedelta(seconds=steps[note.attempts - 1])
        note.save(update_fields=["attempts", "state", "next_at"])
        return note


def deliver_due(limit: int = 100) -> list[tuple[str, int]]:
    """Push every due notification once; returns (envelope id, HTTP status or 0)."""
    if transaction.get_connection().in_atomic_block and not settings.SHEQUN.get(
            "WECHATPAY_SIM", {}).get("DELIVER_IN_TRANSACTION"):
        # Never from inside a transaction: the receiver must see committed state.
        transaction.on_commit(lambda: deliver_due(limit))
        return []
    sent: list[tuple[str, int]] = []
    now = clock.now()
    for _ in range(limit):
        note = _claim(now)
        if note is None:
            break
        if note.state == "gave_up":
            log.info("wxpaysim: gave up on %s after %d attempts", note.envelope_id,
                     note.attempts - 1)
            continue
        if _take_fault("drop", note.key):
            log.info("wxpaysim: dropped %s (attempt %d)", note.envelope_id, note.attempts)
            sent.append((note.envelope_id, 0))
            continue
        copies = 2 if _take_fault("duplicate", note.key) else 1
        status = 0
        for _ in range(copies):
            headers, body = build(note)
            status = _post(note.url, headers, body)
            WxSimNotification.objects.filter(pk=note.pk).update(
                deliveries=note.deliveries + 1, last_status=status)
            note.deliveries += 1
            sent.append((note.envelope_id, status))
        if status in (200, 204):
            WxSimNotification.objects.filter(pk=note.pk).update(state="acked")
        log.info("wxpaysim: pushed %s to %s: %s", note.envelope_id, note.url, status)
    return sent


def deliver_job() -> int:
    """Periodic (payments/apps.py, outside production): push what is due, so
    retries happen on schedule even when nobody calls the simulator."""
    if not settings.SHEQUN.get("SIMULATORS_MOUNTED"):
        return 0
    if not WxSimNotification.objects.filter(state="pending", next_at__lte=clock.now()).exists():
        return 0
    return len(deliver_due())
