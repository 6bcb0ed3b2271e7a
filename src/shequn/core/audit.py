from __future__ import annotations

from typing import Any

from shequn.core.models import AuditLog


def record(actor: Any, action: str, obj: Any = None, **detail: Any) -> AuditLog:
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = str(getattr(obj, "pk", "")) if obj is not None else ""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(actor=user, action=action, object_type=object_type,
                                   object_id=object_id,
                                   detail={k: str(v) for k, v in detail.items()})
