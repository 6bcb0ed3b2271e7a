"""Error codes of leader applications, invitations, the recruitment tree and
customer binding."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class DistributionError(CodedError):
    NOT_SIGNED_IN = ("not_signed_in", _("Sign-in required"), 401)
    NOT_OPERATOR = ("not_operator", _("Only an operator may do this"), 403)
    INVALID_REAL_NAME = ("invalid_real_name", _("Real name: 2–30 characters"), 422)
    INVALID_PHONE = ("invalid_phone", _("Invalid mainland mobile number"), 422)
    INVALID_REGION = ("invalid_region", _("Region: 1–60 characters"), 422)
    INVALID_REASON = ("invalid_reason", _("Reason: at most 500 characters without < or >"), 422)
    SELF_DECISION = ("self_decision",
                     _("An operator cannot decide on their own leader profile"), 403)
    REASON_REQUIRED = ("reason_required", _("A reason (1–200 characters) is required"), 422)
    ALREADY_APPLIED = ("already_applied", _("You have already applied to become a leader"), 409)
    APPLICATION_NOT_FOUND = ("application_not_found", _("Leader application not found"), 404)
    INVALID_TRANSITION = ("invalid_transition",
                          _("This action is not allowed in the current status"), 409)
    INVALID_INVITE_CODE = ("invalid_invite_code", _("Unknown or invalid invite code"), 422)
    INVALID_INVITE_LINK = ("invalid_invite_link", _("The invite link is invalid or expired"), 400)
    SELF_INVITATION = ("self_invitation", _("A leader cannot invite themself"), 422)
    INVITATION_LOOP = ("invitation_loop", _("The invitation would create a loop"), 422)
    TREE_TOO_DEEP = ("tree_too_deep", _("The recruitment tree is too deep here"), 422)
    NOT_A_LEADER = ("not_a_leader", _("Not an active leader"), 422)
    SELF_BINDING = ("self_binding", _("A leader cannot bind themself as a customer"), 422)
    BINDING_LOOP = ("binding_loop",
                    _("This leader is your own customer: bindings cannot form a loop"), 422)
    INVALID_CHANNEL = ("invalid_channel", _("Invalid binding channel"), 422)
    SHOP_MISMATCH = ("shop_mismatch", _("The shop is not this leader's"), 422)
    INVALID_POLICY = ("invalid_policy", _("Invalid customer binding policy setting"), 500)
