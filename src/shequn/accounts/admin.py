"""Users in the admin. One-time sign-in codes are deliberately not registered: a
row (even without its hash) tells who signs in when and from where, and no
operator task needs them (tests/accounts/test_admin.py)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shequn.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # Only the mask is shown; the ciphertext and lookup hash stay out of the UI.
    list_display = ("username", "display_name", "phone_masked", "is_staff", "is_active",
                    "date_joined")
    search_fields = ("username", "display_name", "phone_masked")
    readonly_fields = ("phone_masked",)
    fieldsets = (*(BaseUserAdmin.fieldsets or ()),
                 (_("Shequn"), {"fields": ("display_name", "phone_masked")}))
