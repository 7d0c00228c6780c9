"""Reads of the audit trail: the filter auditors use in the API, the admin and the export."""

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accounts.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditFilter:
    """Time range [since, until), actor (type and/or id) and action; None means any."""

    since: datetime | None = None
    until: datetime | None = None
    actor_type: str | None = None
    actor_id: str | None = None
    action: str | None = None

    def as_payload(self) -> dict[str, Any]:
        """The filter as it is written into the `audit.exported` event (times in ISO 8601)."""
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items() if v is not None}


def audit_event_list(*, filters: AuditFilter) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if filters.since is not None:
        events = events.filter(occurred_at__gte=filters.since)
    if filters.until is not None:
        events = events.filter(occurred_at__lt=filters.until)
    if filters.actor_type:
        events = events.filter(actor_type=filters.actor_type)
    if filters.actor_id:
        events = events.filter(actor_id=filters.actor_id)
    if filters.action:
        events = events.filter(action=filters.action)
    return events


def audit_event_list_for_object(*, object_type: str, object_id: str, limit: int = 200) -> list[AuditEvent]:
    """What happened to one object (a product's creation, changes, activation, retirement),
    oldest first: the history the admin shows beside the object, read from the trail itself."""
    events = AuditEvent.objects.filter(object_type=object_type, object_id=object_id).order_by("-seq")[:limit]
    return list(reversed(events))
