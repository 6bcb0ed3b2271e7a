from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shequn.accounts.models import OneTimeCode, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # Only the mask is shown; the ciphertext and lookup hash stay out of the UI.
    list_display = ("username", "display_name", "phone_masked", "is_staff", "is_active",
                    "date_joined")
    search_fields = ("username", "display_name", "phone_masked")
    readonly_fields = ("phone_masked",)
    fieldsets = (*(BaseUserAdmin.fieldsets or ()),
                 (_("Shequn"), {"fields": ("display_name", "phone_masked")}))


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "expires_at", "attempts", "used_at", "ip")
    fields = ("created_at", "expires_at", "attempts", "used_at", "ip")
    readonly_fields = fields

    # Operators must not list sign-in codes (issue 9): superusers only, read-only.
    def has_module_permission(self, request) -> bool:
        return bool(request.user.is_superuser)

    def has_view_permission(self, request, obj=None) -> bool:
        return bool(request.user.is_superuser)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
