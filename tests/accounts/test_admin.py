"""Operators and superusers cannot list, view or change one-time sign-in codes."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from shequn.accounts import services
from shequn.accounts.models import OneTimeCode
from tests.builders import make_operator, make_user, phone

pytestmark = pytest.mark.django_db


def test_one_time_codes_are_not_in_the_admin():
    assert OneTimeCode not in admin.site._registry
    services.request_code(phone(), "203.0.113.9")
    code = OneTimeCode.objects.get()
    for user in (make_user(is_staff=True, is_superuser=True),
                 make_operator()):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        c = Client()
        c.force_login(user)
        index = c.get("/admin/")
        assert index.status_code == 200
        assert "onetimecode" not in index.content.decode().lower()
        assert c.get("/admin/accounts/onetimecode/").status_code == 404
        assert c.get(f"/admin/accounts/onetimecode/{code.pk}/change/").status_code == 404
