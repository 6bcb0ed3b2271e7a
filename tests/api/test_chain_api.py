"""Partner API for grants (scope "grants"): the key's organization bounds
every answer; bad input is a 4xx with a code and writes nothing."""

from __future__ import annotations

import base64
import hashlib

import pytest
from django.test import Client

from shequn.brands import apikeys
from shequn.brands.models import Grant
from shequn.catalog.models import Organization
from tests.builders import make_org
from tests.builders.chain import PDF, make_grant

pytestmark = pytest.mark.django_db
URL = "/api/v1/partner/grants"


def _key(org, scope="grants"):
    return apikeys.create_key(org, [scope])[1]


def _h(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _body(to, **kw):
    body = {"grantee": str(to.pk), "valid_from": "2026-01-01", "valid_to": "2099-12-31",
            "document_base64": base64.b64encode(PDF).decode(), "document_name": "a.pdf"}
    body.update(kw)
    return body


def test_create_list_get_and_foreign_404():
    brand = make_org(Organization.Kind.BRAND, code="brand-a")
    importer = make_org(Organization.Kind.EBC, code="imp-a")
    key = _key(brand)
    c = Client()
    resp = c.post(URL, _body(importer, grantee="imp-a"), content_type="application/json",
                  **_h(key))
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "pending"
    assert body["document_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert [g["id"] for g in c.get(URL, **_h(key)).json()] == [body["id"]]
    assert c.get(f"{URL}/{body['id']}", **_h(key)).json()["grantee_id"] == importer.pk
    other = make_org(Organization.Kind.BRAND)
    foreign = make_grant(other, make_org(Organization.Kind.EBC))
    assert c.get(f"{URL}/{foreign.pk}", **_h(key)).status_code == 404
    assert c.get(URL, **_h(_key(other))).json()[0]["id"] == foreign.pk
    # The grantee's key sees it too; a key without the scope is refused.
    assert c.get(f"{URL}/{body['id']}", **_h(_key(importer))).status_code == 200
    assert c.get(URL, **_h(_key(brand, "catalog"))).status_code == 403


def test_bad_input_writes_nothing():
    brand = make_org(Organization.Kind.BRAND)
    importer = make_org(Organization.Kind.EBC)
    key = _key(brand)
    c = Client()
    cases = [
        (_body(importer, valid_from="2099-12-31", valid_to="2026-01-01"), "grant_dates_reversed"),
        (_body(importer, document_base64=base64.b64encode(b"<html>").decode()),
         "document_not_allowed"),
        (_body(importer, document_base64="!!notbase64"), "document_not_allowed"),
        (_body(brand), "grant_to_self"),
        (_body(importer, grantee="nobody"), "unknown_organization"),
    ]
    for body, code in cases:
        resp = c.post(URL, body, content_type="application/json", **_h(key))
        assert 400 <= resp.status_code < 500 and resp.json()["code"] == code, resp.content
    # An importer that holds no grant of the brand cannot pass it on.
    resp = c.post(URL, _body(make_org(Organization.Kind.EBC), brand=str(brand.pk)),
                  content_type="application/json", **_h(_key(importer)))
    assert resp.json()["code"] == "grantor_not_holder"
    assert not Grant.objects.exists()


def test_create_with_the_document_as_a_multipart_file():
    """The published multipart operation accepts its form and file (the API's guard
    against forms on JSON operations refused every such upload with a 415)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    brand = make_org(Organization.Kind.BRAND, code="brand-m")
    make_org(Organization.Kind.EBC, code="imp-m")
    form = {"grantee": "imp-m", "valid_from": "2026-01-01", "valid_to": "2099-12-31",
            "document": SimpleUploadedFile("grant.pdf", PDF, "application/pdf")}
    resp = Client().post(f"{URL}/multipart", form, **_h(_key(brand)))
    assert resp.status_code == 201, resp.content
    assert resp.json()["document_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert Grant.objects.get().document_name == "grant.pdf"


def test_multipart_without_a_file_or_boundary_writes_nothing():
    brand = make_org(Organization.Kind.BRAND, code="brand-n")
    make_org(Organization.Kind.EBC, code="imp-n")
    c = Client()
    form = {"grantee": "imp-n", "valid_from": "2026-01-01", "valid_to": "2099-12-31"}
    resp = c.post(f"{URL}/multipart", form, **_h(_key(brand)))
    assert resp.status_code == 422 and resp.json()["code"] == "invalid_input"
    resp = c.post(f"{URL}/multipart", b"x", content_type="multipart/form-data",
                  **_h(_key(brand)))
    assert resp.status_code == 415 and resp.json()["code"] == "unsupported_media_type"
    # Forms on the JSON operation are still refused.
    resp = c.post(URL, form, **_h(_key(brand)))
    assert resp.status_code == 415
    assert not Grant.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("note", "a\x00b"), ("grantee", "imp-u\x00"), ("scope", "all\x00")])
def test_multipart_text_that_cannot_be_stored_is_refused(field, value):
    """A form is not read by the JSON parser, which refuses NULs (PostgreSQL text
    cannot hold them: a 500 when the grant was saved)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    brand = make_org(Organization.Kind.BRAND, code="brand-u")
    make_org(Organization.Kind.EBC, code="imp-u")
    form = {"grantee": "imp-u", "valid_from": "2026-01-01", "valid_to": "2099-12-31",
            field: value, "document": SimpleUploadedFile("a.pdf", PDF, "application/pdf")}
    resp = Client().post(f"{URL}/multipart", form, **_h(_key(brand)))
    assert resp.status_code == 400, resp.content
    assert resp.json()["code"] == "invalid_characters"
    assert not Grant.objects.exists()
