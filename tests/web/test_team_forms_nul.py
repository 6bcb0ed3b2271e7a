"""The brand console's team forms with a NUL (typed or pasted): PostgreSQL text
cannot hold one, so an invitation's name or an API key's name was a DataError
(500). An invitation's name with a control character is refused like any other
bad name (422, nothing stored); a key's name is kept without it."""

from __future__ import annotations

import pytest

from shequn.brands.models import ApiKey, Invitation
from tests.builders.console import make_brand
from tests.builders.ids import phone

pytestmark = pytest.mark.django_db


def test_invitation_name_with_nul_is_refused():
    brand = make_brand()
    r = brand.client().post("/brand/team/invite/", {"name": "Li\x00 Lei", "phone": phone(),
                                                    "role": "brand_staff"})
    assert r.status_code == 422
    assert not Invitation.objects.filter(organization=brand.org).exists()


def test_key_name_is_stored_without_nul():
    brand = make_brand()
    r = brand.client().post("/brand/team/keys/", {"name": "ERP\x00 sync", "scope": "catalog"})
    assert r.status_code == 200
    assert ApiKey.objects.get(organization=brand.org).name == "ERP sync"
