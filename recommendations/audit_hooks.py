"""The audit events of photo retention and staff photo views, in one place.

Each hook is called at the exact point, inside the same transaction as the change, where its
event belongs.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from accounts.audit.models import AuditAction
from accounts.audit.services import AuditActor, audit_event_record, audit_events_record_many

PURGE_JOB = "purge_expired_photos"


def audit_photos_purged(*, photo_ids: Sequence[uuid.UUID], reason: str) -> None:
    """One `photo.purged` event per photo, by the purge job, in the purge batch's transaction."""
    audit_events_record_many(
        actor=AuditActor.system(PURGE_JOB),
        action=AuditAction.PHOTO_PURGED,
        object_type="ear_photo",
        object_ids=[str(pk) for pk in photo_ids],
        payload={"reason": reason},
    )


def audit_photo_purge_run(*, summary: dict[str, Any]) -> None:
    """One `purge.run` event per completed run with its counts (what the "purge not run" alarm reads)."""
    with transaction.atomic():
        audit_event_record(
            actor=AuditActor.system(PURGE_JOB),
            action=AuditAction.PURGE_RUN,
            object_type="photo_purge",
            object_id="",
            payload=summary,
        )


def audit_photo_viewed(*, photo_id: uuid.UUID, actor: Any) -> None:
    """`photo.viewed`: a staff user was shown the photo (given a presigned URL)."""
    audit_event_record(
        actor=AuditActor.for_user(actor),
        action=AuditAction.PHOTO_VIEWED,
        object_type="ear_photo",
        object_id=str(photo_id),
    )
