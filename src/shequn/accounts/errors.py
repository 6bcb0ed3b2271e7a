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


class SmsError(CodedError):
    """Why a text message (the sign-in code) could not be sent by the SMS provider."""

    WAIT_MINUTE = ("sms_wait_minute",
                   _("A code was just sent to this number; please wait a minute before "
                     "requesting another"), 429)
    WAIT_HOUR = ("sms_wait_hour",
                 _("Too many codes were sent to this number; please try again in an hour"), 429)
    WAIT_DAY = ("sms_wait_day",
                _("Too many codes were sent to this number today; please try again tomorrow"),
                429)
    NUMBER_REFUSED = ("sms_number_refused",
                      _("Text messages cannot be sent to this number; please check it or "
                        "use another number"), 422)
    QUOTA_REACHED = ("sms_quota_reached",
                     _("Text messages cannot be sent right now (sending limit reached); "
                       "please try again later"), 503)
    UNAVAILABLE = ("sms_unavailable",
                   _("Text messages are unavailable at the moment; please try again later"),
                   503)
    BUSY = ("sms_busy", _("The text message service is busy; please try again in a moment"),
            503)
