"""A staff member looks at one ear photo: never without its audit event."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.http import Http404

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from recommendations.models import EarPhoto
from recommendations.photos.storage import photo_object_read, photo_object_url


@dataclass(frozen=True)
class StaffPhotoView:
    """How a staff member sees one photo: a presigned URL (S3), or the bytes (local files)."""

    url: str | None
    data: bytes | None


@transaction.atomic
def ear_photo_staff_view(*, photo: EarPhoto, user: Any) -> StaffPhotoView:
    """Show a photo to a staff member: `photo.viewed` is audited first, in the same transaction.

    On S3 the staff member gets a presigned GET that lives PHOTO_URL_EXPIRE_SECONDS, so the link
    in a browser's history is soon useless; locally there is no URL to sign, and the bytes are
    served through Django instead.
    """
    if photo.purged_at is not None:
        raise Http404("This photo was purged.")
    audit_event_record(
        actor=AuditActor.for_user(user),
        action=AuditAction.PHOTO_VIEWED,
        object_type="ear_photo",
        object_id=str(photo.pk),
    )
    url = photo_object_url(key=photo.storage_key)
    return StaffPhotoView(url=url, data=None if url else photo_object_read(key=photo.storage_key))
