from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class CustomsError(CodedError):
    NOT_DECLARABLE = ("not_declarable",
                      _("The order cannot be expressed as a valid customs message"), 422)
    NO_DECLARATION = ("no_declaration", _("No customs declaration for this order"), 404)
    NOT_CANCELLABLE = ("not_cancellable", _("The declaration cannot be cancelled now"), 409)
    DECLARED = ("declared_use_cancel",
                _("The order is declared to customs: cancel "
                  "the declaration first (the refund follows customs' approval)"), 409)
    NO_AUTHORIZATION = ("customs_no_authorization",
                        _("Declaration held: goods of this order have no valid brand "
                          "authorization chain to the seller of record; an operator resends "
                          "it once the chain is restored (or refunds the order)"), 409)
    BAD_RECEIPT = ("bad_receipt", _("Malformed or non-CEB receipt"), 400)
    NOT_OPERATOR = ("not_operator", _("Operators only"), 403)
    CANCEL_PENDING = (
        'customs_cancel_pending',
        _("A customs cancellation of this order awaits customs' answer: it cannot ship "
          "until customs refuses it"),
        409,
    )
    PAYMENT_DECLARATION_NOT_FOUND = ("payment_declaration_not_found",
                                     _("WeChat Pay payment declaration not found"), 404)
    PAYMENT_DECLARATION_DECIDED = (
        "payment_declaration_decided",
        _("WeChat Pay has decided this payment declaration already: nothing to query "
          "(a failed one is submitted again when the order's hold is cleared)"),
        409,
    )
    PAYMENT_DECLARATION_WAITING = (
        "payment_declaration_waiting",
        _("This payment declaration is about to be submitted to WeChat Pay: nothing to "
          "query yet"),
        409,
    )
    CANCELLED = (
        'customs_cancelled',
        _("The order's customs declaration was cancelled: it cannot ship"),
        409,
    )
