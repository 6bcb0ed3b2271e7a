from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class BrandError(CodedError):
    NOT_A_MEMBER = ("not_a_member", _("You are not staff of this organization"), 403)
    FOREIGN_OBJECT = ("foreign_object", _("This belongs to another organization"), 404)
    UNKNOWN_ORGANIZATION = ("unknown_organization", _("Unknown organization"), 404)
    BAD_API_KEY = ("bad_api_key", _("Invalid or revoked API key"), 401)
    SCOPE_MISSING = ("scope_missing", _("This API key does not have the scope needed"), 403)
    UNKNOWN_SCOPE = ("unknown_scope", _("Unknown API key scope"), 422)
    # People: organizations, invitations, memberships (brands.people).
    BAD_ORGANIZATION = ("bad_organization", _("Give the organization a name, a kind and a code"),
                        422)
    ORG_CODE_TAKEN = ("org_code_taken", _("Another organization already has this code"), 409)
    INVITE_FORBIDDEN = ("invite_forbidden",
                        _("You may not manage the people of this organization"), 403)
    ROLE_NOT_ALLOWED = ("role_not_allowed",
                        _("This role cannot be given in this organization"), 422)
    BAD_INVITATION = ("bad_invitation", _("Give the invitee's name and mobile number"), 422)
    INVITATION_INVALID = ("invitation_invalid", _("This invitation link is not valid"), 404)
    INVITATION_EXPIRED = ("invitation_expired", _("This invitation has expired"), 410)
    INVITATION_USED = ("invitation_used", _("This invitation has already been used"), 409)
    INVITATION_WRONG_PHONE = ("invitation_wrong_phone",
                              _("Sign in with the mobile number this invitation was sent to"),
                              403)
    MEMBER_NOT_FOUND = ("member_not_found", _("No such member of this organization"), 404)
    CANNOT_REMOVE_SELF = ("cannot_remove_self", _("You cannot deactivate yourself"), 409)
