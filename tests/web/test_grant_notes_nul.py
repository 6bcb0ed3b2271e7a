"""A grant's note with a NUL (typed or pasted into the brand console's or the
ops console's form): PostgreSQL text cannot hold one, so creating, approving
or suspending the grant was a DataError (500). The note is kept without it."""

from __future__ import annotations

import pytest

from shequn.brands.models import Grant, GrantLog
from tests.web.test_chain_pages import _client, _post_new, parties  # noqa: F401

pytestmark = pytest.mark.django_db


def test_grant_notes_are_stored_without_nul(parties):  # noqa: F811
    p = parties
    brand = _client(p["admin"])
    assert _post_new(brand, p, note="signed\x00 in Paris").status_code == 302
    grant = Grant.objects.get()
    ops = _client(p["ops"])
    assert ops.post(f"/ops/grants/{grant.pk}/approve/", {"note": "o\x00k"}).status_code == 302
    assert brand.post(f"/brand/grants/{grant.pk}/suspend/",
                      {"note": "stock\x00 check"}).status_code == 302
    grant.refresh_from_db()
    assert grant.status == Grant.Status.SUSPENDED
    notes = list(GrantLog.objects.filter(grant=grant).order_by("pk").values_list("note",
                                                                                 flat=True))
    assert notes == ["signed in Paris", "ok", "stock check"]
