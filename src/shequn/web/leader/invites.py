"""The leader's own invite (code and signed link), shown on the team and share
pages and on the invite poster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shequn.analytics import network as reads
from shequn.distribution import selectors
from shequn.distribution.models import LeaderProfile


@dataclass(frozen=True)
class Invite:
    code: str
    path: str  # relative URL of the signed invite link


def invite_for(user: Any) -> Invite | None:
    """The approved leader's invite code and a signed link to the apply page."""
    profile = reads.profile_of(user)
    if profile is None or profile.status != LeaderProfile.Status.APPROVED \
            or not profile.invite_code:
        return None
    return Invite(code=profile.invite_code, path=selectors.invite_path(profile))
