"""Display helpers of the ops console: ``{% load ops_tags %}``. What a page shows
of a model object (masked names, the actions its state allows, an event's state
label) is computed here at render time instead of being attached to the object
in the view."""

from __future__ import annotations

from typing import Any

from django import template

from shequn.core.pii import mask_name, mask_user
from shequn.customs.selectors import plain_reason
from shequn.web.ops.leaders_views import LEADER_ACTIONS
from shequn.web.ops.outbox_views import STATE_CSS, STATE_LABELS
from shequn.web.ops.views import actions_for

register = template.Library()


@register.filter
def masked_name(name: str) -> str:
    return mask_name(name) if name else ""


@register.filter
def masked_person(user: Any) -> str:
    """A buyer or leader as operators see them: masked name, else masked phone."""
    return mask_user(user)


@register.filter
def order_actions(order: Any) -> list[str]:
    return actions_for(order.state)


@register.filter
def leader_actions(profile: Any) -> list[str]:
    return LEADER_ACTIONS.get(profile.status, [])


@register.filter
def outbox_state_label(event: Any) -> str:
    return str(STATE_LABELS.get(event.state, event.state))


@register.filter
def outbox_state_css(event: Any) -> str:
    return STATE_CSS.get(event.state, "")


@register.filter
def customs_reason(status_info: str) -> str:
    return plain_reason(status_info)
