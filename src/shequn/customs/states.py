"""The declaration state machine as data (pure). A receipt's ``returnStatus``
maps to a state and a rank; a receipt applies only when it ranks above what was
applied before, so duplicates, late and out-of-order receipts change nothing
(invariant 4). Rejection is final but cannot undo a release."""

from __future__ import annotations

from shequn.customs.ceb.receipts import is_rejection

DECLARING, ACCEPTED, REVIEW, INSPECTION = "declaring", "accepted", "review", "inspection"
RELEASED, CLOSED, REJECTED, CANCELLED = "released", "closed", "rejected", "cancelled"

# returnStatus of a CEB622 → (state, rank). 399 (审结) ranks between the holds
# and release without changing what people see.
_STATUS: dict[str, tuple[str | None, float]] = {
    "1": (DECLARING, 1), "2": (DECLARING, 1), "3": (DECLARING, 1.5),
    "120": (ACCEPTED, 2),
    "300": (REVIEW, 3), "500": (INSPECTION, 3), "501": (INSPECTION, 3),
    "502": (INSPECTION, 3), "503": (INSPECTION, 3), "599": (INSPECTION, 3),
    "399": (None, 3.5),
    "800": (RELEASED, 4),
    "899": (CLOSED, 5),
}
REJECTED_RANK = 9.0
FINAL = frozenset({CLOSED, REJECTED, CANCELLED})
# Answers about a message rather than a verdict on the declaration: 4 (the
# E-port could not reach customs: transient) and -621004 (this inventory was
# declared already: what a resend of an accepted declaration gets). Recorded,
# never final.
NOT_VERDICTS = frozenset({"4", "-621004"})


def rank(status: str) -> float:
    status = status.strip()
    if status in NOT_VERDICTS:
        return 0
    if is_rejection(status):
        return REJECTED_RANK
    return _STATUS.get(status, (None, 0))[1]


def next_state(current_state: str, current_status: str, status: str) -> str | None:
    """The state a CEB622 with ``status`` moves a declaration to, or None when
    it must be ignored (not forward, unknown, or a rejection after release)."""
    if current_state in FINAL or status.strip() in NOT_VERDICTS:
        return None
    new_rank = rank(status)
    if new_rank == REJECTED_RANK:
        return None if current_state == RELEASED else REJECTED
    applied = rank(current_status) if current_status else 0
    if new_rank <= applied:
        return None
    state = _STATUS.get(status.strip(), (None, 0))[0]
    return state or current_state


def cancel_outcome(status: str) -> str | None:
    """CEB624: 399 means the cancellation was approved; a rejection means it was
    refused (the declaration stays as it was); anything else is progress."""
    if status.strip() == "399":
        return "approved"
    if is_rejection(status):
        return "refused"
    return None


def return_outcome(status: str) -> str | None:
    """CEB626: 399 or 800 approve the return; a rejection refuses it."""
    if status.strip() in ("399", "800"):
        return "approved"
    if is_rejection(status):
        return "refused"
    return None


# ------------------------------------------------------------------ messages
# A CEB message Shequn sends. Each hand-over to the gateway is recorded before
# the call (``attempt``: queued → sending, committed) and its outcome after it,
# in separate transactions, so no transaction is open while customs is called.
# A ``sending`` message whose attempt went stale (the process died mid-call)
# may be attempted again: the gateway is idempotent by message guid.
QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
GIVEN_UP = "cancelled"  # an operator gave the message up: never sent again

# action → (the states it applies in, the state it leads to)
MESSAGE_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "attempt": (frozenset({QUEUED, SENDING}), SENDING),
    "delivered": (frozenset({QUEUED, SENDING}), SENT),
    "send_failed": (frozenset({SENDING}), QUEUED),
    "refused": (frozenset({QUEUED, SENDING, SENT}), FAILED),   # CEB900 from customs
    # An operator acts on dead letters only; ``sending`` only once stale (its
    # process died and the event ran out of attempts).
    "resend": (frozenset({QUEUED, SENDING, FAILED}), QUEUED),
    "give_up": (frozenset({QUEUED, SENDING, FAILED}), GIVEN_UP),
}
MESSAGE_STATES = frozenset({QUEUED, SENDING, SENT, FAILED, GIVEN_UP})
# A ``sending`` attempt older than this died with its process (the HTTP gateway
# gives up after 10 s): another run may take the message over.
SEND_STALE_SECONDS = 120


def message_move(action: str) -> tuple[frozenset[str], str]:
    """(from states, to state) of a message action; KeyError for an unknown one."""
    return MESSAGE_MOVES[action]


# ------------------------------------------------- WeChat payment declarations
# For an order paid with WeChat Pay the payment record (CEB411) is pushed to
# customs by WeChat Pay when the merchant asks (customs.paydecl). What Shequn
# records of that request: queued (to be submitted) → submitted (WeChat took
# it; polled) → accepted (SUCCESS: the payment record is at customs, the
# inventory list may follow) or failed (FAIL, or WeChat refused the request:
# the order is held for an operator). ``exception`` (EXCEPT, customs' interface
# failed) is re-pushed by the poll job a few times before it counts as failed.
PD_QUEUED, PD_SUBMITTED, PD_ACCEPTED = "queued", "submitted", "accepted"
PD_FAILED, PD_EXCEPTION = "failed", "exception"
PD_STATES = frozenset({PD_QUEUED, PD_SUBMITTED, PD_ACCEPTED, PD_FAILED, PD_EXCEPTION})
PD_POLLED = frozenset({PD_SUBMITTED, PD_EXCEPTION})

# WeChat's ``state`` → the action it means for the declaration.
WX_STATE_ACTIONS: dict[str, str] = {
    "UNDECLARED": "progress", "SUBMITTED": "progress", "PROCESSING": "progress",
    "SUCCESS": "succeeded", "FAIL": "failed", "EXCEPT": "exception",
}

# action → (the states it applies in, the state it leads to)
PD_MOVES: dict[str, tuple[frozenset[str], str]] = {
    "submitted": (frozenset({PD_QUEUED}), PD_SUBMITTED),
    "progress": (frozenset({PD_QUEUED, PD_SUBMITTED}), PD_SUBMITTED),
    "succeeded": (frozenset({PD_QUEUED, PD_SUBMITTED, PD_EXCEPTION}), PD_ACCEPTED),
    "failed": (frozenset({PD_QUEUED, PD_SUBMITTED, PD_EXCEPTION}), PD_FAILED),
    "exception": (frozenset({PD_QUEUED, PD_SUBMITTED}), PD_EXCEPTION),
    # WeChat refused the request itself (a parameter, an unknown transaction).
    "refused": (frozenset({PD_QUEUED}), PD_FAILED),
    "repushed": (frozenset({PD_EXCEPTION}), PD_SUBMITTED),
    # An operator cleared the order's hold: submitted again (MODIFY).
    "resubmit": (frozenset({PD_FAILED}), PD_QUEUED),
}
# EXCEPT is re-pushed this many times, then the declaration counts as failed.
PD_MAX_REPUSH = 3


def pd_move(action: str) -> tuple[frozenset[str], str]:
    """(from states, to state) of a payment-declaration action; KeyError for an unknown one."""
    return PD_MOVES[action]


def pd_action_for(wx_state: str) -> str | None:
    """What a WeChat ``state`` means (None for an unknown one: recorded only)."""
    return WX_STATE_ACTIONS.get(wx_state.strip().upper())
