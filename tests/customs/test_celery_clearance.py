"""Issue 4's done-when, in production topology: PostgreSQL, RabbitMQ, a real
``shequn worker`` (Celery, relay and beat) and the single-window simulator as
its own process posting receipts back over HTTP to the web app.

An order paid in the store is declared, matched, released and shipped, then
returned after delivery (CEB625 → 626) and refunded; a second buyer over the
simulator's own annual quota is rejected (-621018) and refunded with stock and
quota given back. Nothing in this test calls customs code directly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from shequn.core.celery_app import DEFAULT_BROKER_URL
from shequn.customs.ceb import signing
from shequn.customs.models import Declaration, ReturnDeclaration
from shequn.inventory.models import Stock
from shequn.orders import returns
from shequn.orders import services as order_services
from shequn.orders.models import AfterSale, Order
from shequn.quota.models import QuotaAccount
from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_paid_order,
    resident_id,
)
from tests.core.test_faults import Proc, _db_url

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq,
              pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHEQUN = str(ROOT / ".venv" / "bin" / "shequn")
BROKER = os.environ.get("BROKER_URL", DEFAULT_BROKER_URL)
TOKEN = "celery-e2e-receipt-token"


def wait_for(cond: Callable[[], object], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def topology(live_server, tmp_path: Path, settings) -> Iterator[dict[str, str]]:
    key, cert = signing.generate_demo_keypair(tmp_path / "ceb")
    port = _free_port()
    sim_url = f"http://127.0.0.1:{port}"
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_RECEIPT_TOKEN": TOKEN,
                       "CUSTOMS_GATEWAY": f"{sim_url}/ceb",
                       "CEB_KEY_FILE": str(key), "CEB_CERT_FILE": str(cert)}
    queue = f"shequn-e2e-{uuid.uuid4().hex[:10]}"
    env = dict(os.environ, DATABASE_URL=_db_url(), BROKER_URL=BROKER,
               SHEQUN_CELERY_QUEUE=queue, SHEQUN_VAR_DIR=str(tmp_path),
               SHEQUN_CUSTOMS_GATEWAY=f"{sim_url}/ceb",
               SHEQUN_CEB_KEY_FILE=str(key), SHEQUN_CEB_CERT_FILE=str(cert),
               SHEQUN_BEAT_INTERVAL="2", SHEQUN_LOG="INFO",
               PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}")
    sim_log = (tmp_path / "sim.log").open("ab")
    sim = subprocess.Popen(
        [SHEQUN, "customs-sim", "--port", str(port),
         "--callback", f"{live_server.url}/api/v1/customs/receipts",
         "--callback-token", TOKEN, "--trusted-cert", str(cert)],
        env=env, cwd=ROOT, stdout=sim_log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = Proc(["worker", "--concurrency", "2", "--relay", "--beat",
                   "--relay-interval", "0.2"], env, tmp_path / "worker.log")
    try:
        wait_for(lambda: _answers(f"{sim_url}/health"), 20, "the simulator")
        worker.wait_ready(40)
        yield {"sim": sim_url, "logs": str(tmp_path)}
    finally:
        worker.stop()
        sim.terminate()
        sim.wait(10)
        sim_log.close()
        _delete_queue(queue)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as resp:
            return resp.status == 200
    except OSError:
        return False


def _delete_queue(name: str) -> None:
    from kombu import Connection

    try:
        with Connection(BROKER, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(name)
            conn.default_channel.exchange_delete(name)
    except Exception:
        pass


def _logs(topology: dict[str, str]) -> str:
    out = []
    for name in ("worker.log", "sim.log"):
        path = Path(topology["logs"]) / name
        out.append(f"--- {name}\n" + path.read_text(errors="replace")[-2500:])
    return "\n".join(out)


def test_clearance_return_and_rejection_through_celery(topology, django_user_model):
    operator = django_user_model.objects.create(username="e2e-ops")
    operator.groups.add(Group.objects.get_or_create(name="operator")[0])
    sku = make_sku(price="150.00")
    make_stock(make_warehouse(), sku, 10)

    # 1. Paid → declared → released → shipped → delivered.
    order = place_paid_order(make_buyer(), sku, qty=2)
    try:
        wait_for(lambda: Order.objects.get(pk=order.pk).cleared_at, 60, "customs release")
    except AssertionError:
        raise AssertionError(_logs(topology)) from None
    declaration = Declaration.objects.get(order=order)
    assert declaration.invt_no and declaration.state in ("released", "closed")
    order_services.mark_shipped(order.pk, operator)
    order_services.mark_delivered(order.pk, operator)

    # 2. A return after delivery clears customs (625 → 626) and is refunded.
    line = order.lines.get()
    after_sale = returns.request_return(order.user, order.pk, [(line.pk, 1)], "不合适")
    returns.decide_return(operator, after_sale.pk, approve=True)
    wait_for(lambda: AfterSale.objects.get(pk=after_sale.pk).state == AfterSale.State.REFUNDED,
             60, "the return refund")
    assert ReturnDeclaration.objects.get(after_sale=after_sale).state == "accepted"

    # 3. A buyer whose annual quota customs sees as nearly used is rejected.
    other_id = resident_id("440306", "19880101", "002")
    body = json.dumps({"idNumber": other_id, "year": str(order.created_at.year),
                       "used": "25990"}).encode()
    urllib.request.urlopen(urllib.request.Request(
        f"{topology['sim']}/quota", data=body, method="POST",
        headers={"Content-Type": "application/json"}), timeout=5).close()
    stock_before = Stock.objects.get(sku=sku)
    rejected = place_paid_order(make_buyer(), sku, qty=1, id_number=other_id)
    wait_for(lambda: Order.objects.get(pk=rejected.pk).state == Order.State.REFUNDED, 60,
             "the rejection refund")
    assert Declaration.objects.get(order=rejected).state == "rejected"
    stock = Stock.objects.get(sku=sku)
    assert stock.on_hand == stock_before.on_hand and stock.reserved == stock_before.reserved
    account = QuotaAccount.objects.get(id_hash=rejected.buyer_id_hash)
    assert account.used == Decimal("0.00") and account.reserved == Decimal("0.00")
