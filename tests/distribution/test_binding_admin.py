"""Customer bindings cannot be deleted in the admin (their history is the record)."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory

from shequn.accounts.models import User
from shequn.distribution import binding as bindings
from shequn.distribution.models import CustomerBinding
from tests.builders import make_buyer, make_leader

pytestmark = pytest.mark.django_db


def _superuser() -> User:
    return User.objects.create_superuser("root", password="root-pass-2026")


def test_admin_refuses_to_delete_a_customer_binding():
    a = make_leader()
    buyer = make_buyer()
    bindings.touch(buyer=buyer, leader=a.user, channel="link")
    binding = CustomerBinding.objects.get(buyer=buyer)
    admin_user = _superuser()
    model_admin = site._registry[CustomerBinding]
    request = RequestFactory().get("/")
    request.user = admin_user
    assert model_admin.has_delete_permission(request, binding) is False
    c = Client()
    c.force_login(admin_user)
    url = f"/admin/distribution/customerbinding/{binding.pk}/delete/"
    assert c.post(url, {"post": "yes"}).status_code == 403
    assert CustomerBinding.objects.filter(pk=binding.pk).exists()
