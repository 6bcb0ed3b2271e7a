"""Grant services (brands.grants): creation with its refusals (nothing
written), review, suspend / reinstate / revoke / expire, the log and the covers."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from PIL import Image

from shequn.brands import chain, grants
from shequn.brands.models import ChainCover, Grant, GrantLog
from shequn.catalog.models import Category, Organization
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog, Notice
from tests.builders import make_operator, make_org, make_product, make_sku
from tests.builders.chain import PDF, brand_admin, make_grant

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 1, 1), dt.date(2099, 12, 31)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world():
    brand = make_org(Organization.Kind.BRAND)
    importer = make_org(Organization.Kind.EBC)
    seller = make_org(Organization.Kind.EBC)
    product = make_product(brand=brand, seller=seller, chain=False)
    sku = make_sku(product=product)
    return {"brand": brand, "importer": importer, "seller": seller, "product": product,
            "sku": sku, "admin": brand_admin(brand), "imp_admin": brand_admin(importer),
            "ops": make_operator()}


def _create(w, actor=None, **kw):
    args = dict(grantor=w["brand"], grantee=w["importer"], brand=w["brand"], valid_from=FROM,
                valid_to=TO, document=PDF, document_name="授权书.pdf")
    args.update(kw)
    return grants.create_grant(actor or w["admin"], **args)


def _refused(code, fn, *a, **kw):
    before = (Grant.objects.count(), GrantLog.objects.count(), ChainCover.objects.count())
    with pytest.raises(DomainError) as err:
        fn(*a, **kw)
    assert err.value.code == code, err.value
    assert 400 <= err.value.status < 500
    assert (Grant.objects.count(), GrantLog.objects.count(),
            ChainCover.objects.count()) == before


def test_create_stores_the_document_and_its_hash_pending_review(world):
    g = _create(world)
    assert g.status == Grant.Status.PENDING
    assert g.document_sha256 == hashlib.sha256(PDF).hexdigest()
    assert g.document_type == "application/pdf"
    with g.document.open("rb") as fh:
        assert fh.read() == PDF
    [entry] = GrantLog.objects.filter(grant=g)
    assert (entry.action, entry.to_status, entry.actor) == ("create", "pending", world["admin"])
    # The operators are told there is something to review.
    assert Notice.objects.filter(user=world["ops"], kind="grant_pending").exists()
    # An image is fine too.
    assert _create(world, document=_png(), document_name="a.png").document_type == "image/png"


def test_bad_input_is_refused_and_nothing_is_written(world):
    w = world
    _refused("grant_dates_reversed", _create, w, valid_from=TO, valid_to=FROM)
    _refused("grant_dates_invalid", _create, w, valid_from="tomorrow")
    _refused("grant_dates_invalid", _create, w, valid_from=dt.date(2020, 1, 1),
             valid_to=dt.date(2020, 2, 1))
    # The importer holds no grant of the brand: it cannot pass it on.
    _refused("grantor_not_holder", _create, w, w["imp_admin"], grantor=w["importer"],
             grantee=w["seller"])
    _refused("grant_to_self", _create, w, grantee=w["brand"])
    _refused("document_not_allowed", _create, w, document=b"<html>hello</html>")
    _refused("document_not_allowed", _create, w, document=b"GIF89a not really")
    _refused("document_missing", _create, w, document=b"")
    _refused("document_too_large", _create, w,
             document=b"%PDF-" + b"0" * grants.MAX_DOCUMENT_BYTES)
    other_sku = make_sku()
    _refused("grant_scope_invalid", _create, w, scope="skus", sku_ids=[other_sku.pk])
    _refused("grant_scope_invalid", _create, w, scope="skus", sku_ids=[])
    _refused("grant_scope_invalid", _create, w, scope="categories", category_ids=[99999])
    _refused("grant_scope_invalid", _create, w, scope="territory")
    _refused("grant_channel_invalid", _create, w, channel="offline")
    # Another organization's admin cannot grant in the brand's name.
    _refused("grant_not_allowed", _create, w, w["imp_admin"])
    _refused("grant_not_allowed", _create, w, brand_admin(w["brand"], role="brand_staff"))


def test_the_grantee_of_an_active_grant_may_pass_it_on(world):
    w = world
    make_grant(w["brand"], w["importer"])
    g = _create(w, w["imp_admin"], grantor=w["importer"], grantee=w["seller"])
    assert g.grantor == w["importer"]


def test_approval_activates_and_covers_the_skus_then_revocation_removes_them(world):
    w = world
    first = _create(w)
    second = _create(w, w["imp_admin"], grantor=w["importer"], grantee=w["seller"]) \
        if grants.holds_brand(w["importer"].pk, w["brand"].pk) else None
    assert second is None  # the first is not active yet
    _refused("grant_not_allowed", grants.approve, first.pk, w["admin"])
    grants.approve(first.pk, w["ops"], "资料齐全")
    assert chain.covered_sku_ids([w["sku"].pk]) == set()  # importer is not the seller
    second = _create(w, w["imp_admin"], grantor=w["importer"], grantee=w["seller"])
    grants.approve(second.pk, w["ops"])
    assert chain.covered_sku_ids([w["sku"].pk]) == {w["sku"].pk}
    view = chain.chain_for_product(w["product"])
    assert [n.kind for n in view.nodes][:3] == ["brand", "importer", "seller"]
    assert view.grant_ids == (first.pk, second.pk)
    assert AuditLog.objects.filter(action="grant.approve", actor=w["ops"]).count() == 2
    # Suspend (the grantor's admin) and reinstate.
    grants.suspend(first.pk, w["admin"], "核查中")
    assert chain.covered_sku_ids([w["sku"].pk]) == set()
    grants.reinstate(first.pk, w["admin"])
    assert chain.covered_sku_ids([w["sku"].pk]) == {w["sku"].pk}
    # Another brand's admin may not act on it; the grantee's admin may not either.
    stranger = brand_admin(make_org())
    _refused("foreign_object", grants.revoke, first.pk, stranger)
    _refused("grant_not_allowed", grants.revoke, first.pk, w["imp_admin"])
    grants.revoke(first.pk, w["admin"], "合同终止")
    assert chain.covered_sku_ids([w["sku"].pk]) == set()
    _refused("grant_state", grants.reinstate, first.pk, w["admin"])
    log = list(GrantLog.objects.filter(grant=first).values_list("action", "from_status",
                                                                "to_status"))
    assert log == [("create", "", "pending"), ("approve", "pending", "active"),
                   ("suspend", "active", "suspended"), ("reinstate", "suspended", "active"),
                   ("revoke", "active", "revoked")]


def test_reject(world):
    g = _create(world)
    grants.reject(g.pk, world["ops"], "授权书不清晰")
    g.refresh_from_db()
    assert g.status == "rejected"
    assert GrantLog.objects.filter(grant=g, action="reject", note="授权书不清晰").exists()


def test_scope_by_category_and_listed_skus(world):
    w = world
    cat = Category.objects.create(name="护肤", slug="skin")
    other = make_sku(product=w["product"])
    make_grant(w["brand"], w["seller"], scope="skus", skus=[w["sku"]])
    assert chain.covered_sku_ids([w["sku"].pk, other.pk]) == {w["sku"].pk}
    w["product"].category = cat
    w["product"].save(update_fields=["category"])
    make_grant(w["brand"], w["seller"], scope="categories", categories=[cat])
    assert chain.covered_sku_ids([w["sku"].pk, other.pk]) == {w["sku"].pk, other.pk}


def test_expiry_job_expires_and_uncovers(world):
    w = world
    today = chain.today()
    g = make_grant(w["brand"], w["seller"], valid_from=today - dt.timedelta(days=10),
                   valid_to=today + dt.timedelta(days=2))
    assert chain.covered_sku_ids([w["sku"].pk]) == {w["sku"].pk}
    assert grants.expire_due() == 0
    clock.advance(dt.timedelta(days=3))
    try:
        # Past its end date the cover no longer counts, even before the job runs.
        assert chain.covered_sku_ids([w["sku"].pk]) == set()
        assert grants.expire_due() == 1
        assert grants.expire_due() == 0  # idempotent
        g.refresh_from_db()
        assert g.status == "expired"
        assert not ChainCover.objects.filter(sku=w["sku"]).exists()
    finally:
        clock.reset()
