"""Receipt intake over HTTP (POST /api/v1/customs/receipts): the bearer token is
checked in constant time before anything else, oversized bodies are refused
before parsing, malformed and XXE bodies are refused with ``bad_receipt``, and
a refused call writes nothing. Machine endpoint: no session, no CSRF token."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.customs import services
from shequn.customs.ceb import messages
from shequn.customs.ceb import model as ceb
from shequn.customs.models import Declaration, Receipt
from shequn.customs.sim.xmlio import wrap_dxp
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/customs/receipts"
TOKEN = "test-receipt-token-5c1d"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_RECEIPT_TOKEN": TOKEN}


@pytest.fixture
def declaration() -> Declaration:
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    declared = services.declare(order.pk)
    assert declared is not None
    return declared


def receipt(cop_no: str, status: str, at: str, info: str = "[Code:1800;Desc:逻辑校验通过]"
            ) -> bytes:
    """A CEB622 inventory receipt as customs sends it."""
    record = ceb.InventoryReturn(cop_no=cop_no, pre_no="B20261125000000077",
                                 invt_no="29912026I000000077", return_status=status,
                                 return_time=at, return_info=info, customs_code="2991",
                                 ebp_code="3301960SQP", ebc_code="3301000005",
                                 agent_code="3301000005")
    return messages.to_bytes(messages.build_message("CEB622Message", [record]))


def post(client: Client, body: bytes, token: str | None = TOKEN, **extra: str):
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    return client.post(URL, data=body, content_type="application/xml", **headers, **extra)


def test_good_receipt_is_applied(client, declaration):
    response = post(client, receipt(declaration.cop_no, "120", "20261125100000000"))
    assert response.status_code == 200, response.content
    assert response.json() == {"outcomes": ["applied"]}
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.ACCEPTED
    assert declaration.invt_no == "29912026I000000077"
    assert Receipt.objects.get(declaration=declaration).return_status == "120"


def test_receipt_in_a_dxp_envelope_is_applied(client, declaration):
    body = wrap_dxp(receipt(declaration.cop_no, "800", "20261125110000000"),
                    "CEB622Message", "DXPEDCCEB0000002", "DXPENT0000000001")
    assert post(client, body).json() == {"outcomes": ["applied"]}
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.RELEASED
    assert declaration.order.__class__.objects.get(pk=declaration.order_id).cleared_at


def test_receipt_for_an_unknown_declaration_is_recorded_not_applied(client, declaration):
    response = post(client, receipt("INOSUCH0001", "800", "20261125100000000"))
    assert response.status_code == 200
    assert response.json() == {"outcomes": ["unknown"]}
    assert Receipt.objects.get().declaration is None
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.DECLARING


def test_duplicate_delivery_is_reported_and_applied_once(client, declaration):
    body = receipt(declaration.cop_no, "120", "20261125100000000")
    assert post(client, body).json() == {"outcomes": ["applied"]}
    assert post(client, body).json() == {"outcomes": ["duplicate"]}
    assert Receipt.objects.filter(declaration=declaration).count() == 1


@pytest.mark.parametrize("header", [
    None,                                  # no Authorization at all
    "Bearer wrong-token",                  # wrong token
    f"Bearer {TOKEN}x",                    # right prefix, one char more
    f"Basic {TOKEN}",                      # right secret, wrong scheme
    "Bearer ",                             # empty
])
def test_missing_or_wrong_token_is_401_and_changes_nothing(client, declaration, header):
    extra = {} if header is None else {"HTTP_AUTHORIZATION": header}
    response = client.post(URL, data=receipt(declaration.cop_no, "800", "20261125100000000"),
                           content_type="application/xml", **extra)
    assert response.status_code == 401
    assert response.json()["code"] == "receipt_token_invalid"
    assert response["WWW-Authenticate"] == "Bearer"
    assert not Receipt.objects.exists()
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.DECLARING


def test_no_token_configured_refuses_everything(client, declaration, settings):
    settings.SHEQUN = {**settings.SHEQUN, "CUSTOMS_RECEIPT_TOKEN": ""}
    response = post(client, receipt(declaration.cop_no, "120", "20261125100000000"), token="")
    assert response.status_code == 401
    assert not Receipt.objects.exists()


def test_a_signed_in_session_is_not_a_token(client, declaration, django_user_model):
    client.force_login(django_user_model.objects.create(username="someone", is_superuser=True))
    response = post(client, receipt(declaration.cop_no, "120", "20261125100000000"), token=None)
    assert response.status_code == 401
    assert not Receipt.objects.exists()


def test_oversized_body_is_413_before_parsing(client, declaration):
    valid = receipt(declaration.cop_no, "120", "20261125100000000")
    # A well-formed receipt padded past 1 MB: refused for its size, not its content.
    body = valid.replace(b"</ceb:CEB622Message>",
                         b"<!--" + b"x" * (1024 * 1024) + b"--></ceb:CEB622Message>")
    assert len(body) > 1024 * 1024 and body != valid
    response = post(client, body)
    assert response.status_code == 413
    assert response.json()["code"] == "receipt_too_large"
    assert not Receipt.objects.exists()


def test_body_longer_than_its_declared_length_is_cut_and_refused(declaration):
    """A client that lies about Content-Length cannot make the view read more
    than the limit: only CONTENT_LENGTH bytes are ever read."""
    client = Client()
    body = receipt(declaration.cop_no, "120", "20261125100000000")
    response = client.generic("POST", URL, data=body, content_type="application/xml",
                              HTTP_AUTHORIZATION=f"Bearer {TOKEN}", CONTENT_LENGTH="10")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_receipt"
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
    b'<?xml version="1.0"?><!DOCTYPE ceb:CEB622Message [<!ENTITY e SYSTEM '
    b'"http://127.0.0.1:1/x">]><ceb:CEB622Message xmlns:ceb="http://www.chinaport.gov.cn/ceb">'
    b"&e;</ceb:CEB622Message>",
    b"<x/>",
    b"",
])
def test_malformed_or_xxe_body_is_400_and_writes_nothing(client, declaration, body):
    response = post(client, body)
    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "bad_receipt"
    assert b"root:" not in response.content  # nothing of a local file comes back
    assert not Receipt.objects.exists()
    declaration.refresh_from_db()
    assert declaration.state == Declaration.State.DECLARING


def test_no_csrf_token_needed(declaration):
    client = Client(enforce_csrf_checks=True)
    response = post(client, receipt(declaration.cop_no, "120", "20261125100000000"))
    assert response.status_code == 200
    assert response.json() == {"outcomes": ["applied"]}


def test_only_post_is_allowed(client):
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
