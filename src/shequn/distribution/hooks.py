"""Calls the web and API layers make at the edges of a session (decision 0002:
attribution reaches the order through the cart)."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from shequn.checkout.cart import cart_for_session
from shequn.core.errors import DomainError
from shequn.distribution.binding import BindingOutcome, before_checkout, on_sign_in, touch

log = logging.getLogger(__name__)


def after_sign_in(session: MutableMapping[str, Any], user: Any) -> BindingOutcome | None:
    """Bind the user from the session cart's share-link attribution (policy
    permitting) and leave the effective attribution on the cart. Never fails
    the sign-in: a refusal is logged."""
    if not getattr(user, "is_authenticated", False):
        return None
    cart = cart_for_session(session, user, create=False)
    try:
        return on_sign_in(user, cart)
    except DomainError as err:
        log.warning("binding after sign-in refused: %s", err.code)
        return None


def after_share_visit(user: Any, visit: Any, cart: Any) -> BindingOutcome | None:
    """A signed-in buyer opened a valid share link: apply the binding policy."""
    if not getattr(user, "is_authenticated", False) or visit is None or not visit.valid:
        return None
    try:
        return touch(buyer=user, leader=visit.leader_id, shop=visit.shop,
                     channel=visit.channel, cart=cart)
    except DomainError as err:
        log.warning("binding on share visit refused: %s", err.code)
        return None


def before_place(user: Any, cart: Any) -> None:
    """Before placing the cart: drop an attribution whose binding has lapsed.
    Never fails the checkout: a refusal is logged."""
    try:
        before_checkout(user, cart)
    except DomainError as err:
        log.warning("attribution check before placement refused: %s", err.code)
