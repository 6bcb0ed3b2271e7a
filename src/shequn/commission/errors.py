from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


# The three acts of 《禁止传销条例》第七条 (specs/distribution-law-and-practice.md §2),
# quoted in Chinese by the zh_Hans catalogue.
class CommissionError(CodedError):
    PLAN_PAYS_UPLINE = ("plan_pays_upline", _(
        "Plan refused: Regulations on Prohibition of Pyramid Selling, Art. 7(3): paying an "
        "upline on the sales of its downline (team commission)"), 422)
    PLAN_PAYS_PER_RECRUIT = ("plan_pays_per_recruit", _(
        "Plan refused: Regulations on Prohibition of Pyramid Selling, Art. 7(1): paying by "
        "the number of people recruited directly or indirectly"), 422)
    PLAN_CHARGES_TO_JOIN = ("plan_charges_to_join", _(
        "Plan refused: Regulations on Prohibition of Pyramid Selling, Art. 7(2): requiring a "
        "fee, or a purchase as a disguised fee, to join or recruit"), 422)
    PLAN_INVALID = ("plan_invalid", _("Invalid commission plan"), 422)
    PLAN_NOT_FOUND = ("plan_not_found", _("Commission plan not found"), 404)
    BAD_AMOUNT = ("bad_amount",
                  _("Invalid amount (a positive number with at most two decimals)"), 422)
    BELOW_MINIMUM = ("below_minimum", _("Below the minimum withdrawal"), 422)
    INSUFFICIENT_BALANCE = ("insufficient_balance", _("Not enough available balance"), 409)
    WITHDRAWAL_NOT_FOUND = ("withdrawal_not_found", _("Withdrawal not found"), 404)
    WITHDRAWAL_STATE = ("withdrawal_state",
                        _("The withdrawal's state does not allow this action"), 409)
    OWN_WITHDRAWAL = ("own_withdrawal", _("You cannot decide your own withdrawal"), 403)
    REASON_REQUIRED = ("reason_required", _("A reason is required"), 422)
    NOT_OPERATOR = ("not_operator", _("Operators only"), 403)
    NOT_LEADER = ("not_leader", _("Leaders only"), 403)
    LEADER_FROZEN = ("leader_frozen", _("The leader account is frozen: no withdrawals"), 403)
    REQUEST_KEY_REUSED = ("request_key_reused",
                          _("This request key was used for a different amount"), 409)
    BAD_JURISDICTION = ("bad_jurisdiction", _("Invalid jurisdiction setting"), 422)
    LEDGER_APPEND_ONLY = ("ledger_append_only", _("The ledger is append-only"), 409)
    BAD_QUARTER = ("bad_quarter", _("Invalid quarter"), 422)
