from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class BrandError(CodedError):
    NOT_A_MEMBER = ("not_a_member", _("You are not staff of this organization"), 403)
    FOREIGN_OBJECT = ("foreign_object", _("This belongs to another organization"), 404)
    UNKNOWN_ORGANIZATION = ("unknown_organization", _("Unknown organization"), 404)
    BAD_API_KEY = ("bad_api_key", _("Invalid or revoked API key"), 401)
    SCOPE_MISSING = ("scope_missing", _("This API key does not have the scope needed"), 403)
    UNKNOWN_SCOPE = ("unknown_scope", _("Unknown API key scope"), 422)
