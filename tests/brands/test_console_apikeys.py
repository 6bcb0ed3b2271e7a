"""API keys: the CLI prints the new key on its last line, only a hash is kept,
revoked keys and missing scopes are refused, brand admins manage their own
organization's keys only."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from shequn import cli
from shequn.brands.models import ApiKey
from tests.builders.console import make_brand, operator

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_cli_create_prints_key_last_line_stored_hashed(capsys: pytest.CaptureFixture) -> None:
    brand = make_brand()
    assert cli.main(["apikey", "create", "--org", brand.org.code, "--scope", "sales",
                     "--scope", "catalog", "--name", "erp"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("shq_")
    row = ApiKey.objects.get(organization=brand.org)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.key_hash and row.scopes == ["catalog", "sales"] and row.name == "erp"
    me = Client().get("/api/v1/partner/sales/me", **_bearer(key))
    assert me.status_code == 200 and me.json()["organization"]["code"] == brand.org.code

    assert cli.main(["apikey", "create", "--org", "platform", "--scope", "sales"]) == 0
    platform_key = capsys.readouterr().out.strip().splitlines()[-1]
    assert ApiKey.objects.get(organization__isnull=True).prefix in platform_key
    assert Client().get("/api/v1/partner/sales/me", **_bearer(platform_key)).json()["platform"]

    assert cli.main(["apikey", "list"]) == 0
    listed = capsys.readouterr().out
    assert row.prefix in listed and "platform" in listed and key not in listed

    assert cli.main(["apikey", "revoke", row.prefix]) == 0
    capsys.readouterr()
    refused = Client().get("/api/v1/partner/sales/daily", **_bearer(key))
    assert refused.status_code == 401 and refused.json()["code"] == "bad_api_key"


def test_cli_refuses_unknown_org_scope_and_prefix(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["apikey", "create", "--org", "nope", "--scope", "sales"]) == 1
    assert cli.main(["apikey", "create", "--org", "platform", "--scope", "bogus"]) == 1
    assert cli.main(["apikey", "revoke", "000000000000"]) == 1
    assert cli.main(["apikey", "create", "--scope", "sales"]) == 2
    assert not ApiKey.objects.exists()


def test_scope_missing_is_403_and_no_key_is_401() -> None:
    brand = make_brand()
    key = brand.key("catalog")
    resp = Client().get("/api/v1/partner/sales/daily", **_bearer(key))
    assert resp.status_code == 403 and resp.json()["code"] == "scope_missing"
    assert Client().get("/api/v1/partner/sales/daily").status_code == 401
    assert Client().get("/api/v1/partner/sales/daily",
                        **_bearer("shq_abc_def")).status_code == 401
    # the "me" endpoint answers any active key, whatever its scope
    assert Client().get("/api/v1/partner/sales/me", **_bearer(key)).status_code == 200


def test_brand_admin_creates_shows_once_and_revokes_own_keys_only() -> None:
    a, b = make_brand(), make_brand()
    c = a.client()
    page = c.post("/brand/team/keys/", {"name": "ERP", "scope": ["sales", "stock"]})
    assert page.status_code == 200
    row = ApiKey.objects.get(organization=a.org)
    html = page.content.decode()
    assert f"shq_{row.prefix}_" in html
    assert f"shq_{row.prefix}_" not in c.get("/brand/team/keys/").content.decode()
    assert c.post("/brand/team/keys/", {"name": "x"}).status_code == 422
    assert a.client(a.staff).get("/brand/team/keys/").status_code == 403
    assert row.prefix not in b.client().get("/brand/team/keys/").content.decode()
    assert b.client().post(f"/brand/team/keys/{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert c.post(f"/brand/team/keys/{row.pk}/revoke/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_operator_lists_and_revokes_any_key() -> None:
    a = a_brand = make_brand()
    a_brand.key("sales")
    row = ApiKey.objects.get(organization=a.org)
    ops = Client()
    ops.force_login(operator())
    assert row.prefix in ops.get("/ops/apikeys/").content.decode()
    created = ops.post(f"/ops/orgs/{a.org.pk}/keys/", {"scope": ["stock"]})
    assert created.status_code == 200 and "shq_" in created.content.decode()
    assert ops.post(f"/ops/apikeys/{row.pk}/revoke/").status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None
