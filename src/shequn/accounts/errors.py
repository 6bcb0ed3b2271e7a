"""Error codes of sign-in and roles."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class AccountError(CodedError):
    INVALID_PHONE = ("invalid_phone", _("Invalid mainland mobile number"), 422)
    CODE_INVALID = ("code_invalid", _("Wrong verification code"), 422)
    CODE_EXPIRED = ("code_expired", _("Verification code expired, request a new one"), 422)
    TOO_MANY_ATTEMPTS = ("too_many_attempts", _("Too many wrong attempts, request a new code"), 429)
    RATE_LIMITED = ("rate_limited", _("Too many requests"), 429)
    BAD_CREDENTIALS = ("bad_credentials", _("Wrong username or password"), 422)
    UNKNOWN_ROLE = ("unknown_role", _("Unknown role"), 422)
    BAD_AVATAR = ('bad_avatar', _('The avatar must be a JPEG, PNG or WebP picture'), 422)
    AVATAR_TOO_LARGE = ('avatar_too_large', _('The avatar picture must be 5 MB or less'), 422)
