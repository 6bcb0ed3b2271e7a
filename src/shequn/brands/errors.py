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
    # Authorization grants (品牌授权) and the chain check.
    GRANT_NOT_FOUND = ("grant_not_found", _("Authorization grant not found"), 404)
    GRANT_DATES_REVERSED = ("grant_dates_reversed",
                            _("The grant's end date is before its start date"), 422)
    GRANT_DATES_INVALID = ("grant_dates_invalid", _("Invalid grant dates"), 422)
    GRANTOR_NOT_HOLDER = ("grantor_not_holder",
                          _("The grantor neither owns the brand nor holds an active grant "
                            "of it"), 422)
    GRANT_TO_SELF = ("grant_to_self", _("An organization cannot authorize itself"), 422)
    GRANT_SCOPE_INVALID = ("grant_scope_invalid",
                           _("The grant's scope is missing or names goods of another brand"),
                           422)
    GRANT_CHANNEL_INVALID = ("grant_channel_invalid", _("Unknown sales channel"), 422)
    DOCUMENT_MISSING = ("document_missing", _("Upload the authorization document"), 422)
    DOCUMENT_NOT_ALLOWED = ("document_not_allowed",
                            _("The authorization document must be a PDF or an image"), 415)
    DOCUMENT_TOO_LARGE = ("document_too_large", _("The authorization document is too large"),
                          413)
    GRANT_STATE = ("grant_state", _("The grant cannot change this way in its current state"),
                   409)
    GRANT_NOT_ALLOWED = ("grant_not_allowed",
                         _("Only the grantor's brand admins or an operator may do this"), 403)
    NO_AUTHORIZATION = ("no_authorization",
                        _("Sales paused: this product has no valid brand authorization "
                          "chain to its seller right now"), 422)
