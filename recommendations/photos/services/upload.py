"""Ear photo upload: validate, measure, store, in this order.

The order of `ear_photo_ingest` is the privacy and consistency policy:
1. validate and decode at reduced scale, measure in process; a bad file or a failed quality
   gate is answered at once and nothing is stored;
2. store the metadata-free re-encode (never the original bytes) in private storage;
3. write the row in one transaction; if that fails, the object is deleted again.
So there is never a row without its object, and an object without a row (a crash between 2 and
3) is an orphan the purge collects.

The legacy import (`recommendations/legacy/`) stores its photos through the same function, with
the expiry taken from the photo's capture date and itself as the actor.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from earfit.exceptions import ApplicationError
from recommendations.measuring.active import model_version_active
from recommendations.measuring.analysis import photo_measure
from recommendations.models import EarPhoto, Fitting, FittingStatus
from recommendations.photos.storage import (
    photo_key_new,
    photo_object_save,
    photo_objects_delete,
    photo_objects_delete_on_commit,
)


def ear_photo_ingest(
    *,
    fitting: Fitting,
    data: bytes,
    side: str,
    expires_at: datetime | None = None,
    actor: AuditActor | None = None,
    audit_facts: dict[str, Any] | None = None,
    on_stored: Callable[[EarPhoto], None] | None = None,
) -> EarPhoto:
    """Measure an uploaded ear photo and keep it (see the module docstring for the order).

    A new photo of a side replaces the previous photo of that side: the shopper retook it.
    `expires_at` defaults to now + the retention days; one already past is refused before the
    photo is even decoded. `actor` defaults to the shopper holding the fitting; `audit_facts` are
    added to the audit payload; `on_stored` runs inside the row's transaction (the legacy import
    records what it made there, so the record and the photo commit together).
    """
    expires_at = expires_at or timezone.now() + timedelta(days=settings.PHOTO_RETENTION_DAYS)
    if expires_at <= timezone.now():
        raise ApplicationError(
            "This photo is past its retention period and cannot be stored.", code="past_retention", status_code=422
        )
    # The version active now measures it, and is the one recorded with it.
    model = model_version_active()
    measured = photo_measure(data, spec=model.spec())
    if not measured.passed:
        raise ApplicationError(
            measured.guidance,
            code="photo_quality",
            extra={"reasons": measured.reasons, "warnings": measured.warnings, "guidance": measured.guidance},
            status_code=422,
        )
    key = photo_key_new(fitting_id=fitting.id, side=side)
    photo_object_save(key=key, data=measured.stored_jpeg, content_type="image/jpeg")
    try:
        with transaction.atomic():
            locked = Fitting.objects.select_for_update().get(pk=fitting.pk)
            if locked.status != FittingStatus.OPEN:
                raise ApplicationError("Not found.", code="not_found", status_code=404)
            replaced = list(EarPhoto.objects.filter(fitting=locked, side=side))
            photo = EarPhoto.objects.create(
                fitting=locked,
                side=side,
                storage_key=key,
                sha256=hashlib.sha256(measured.stored_jpeg).hexdigest(),
                size_bytes=len(measured.stored_jpeg),
                width=measured.width,
                height=measured.height,
                scale=measured.scale,
                confidence=measured.confidence,
                quality={"passed": True, "reasons": measured.reasons},
                measurements=measured.measurements,
                tip_size=measured.tip_size or "",
                tip_size_confidence=measured.tip_confidence,
                geometry=measured.geometry,
                model_version_id=model.id,
                expires_at=expires_at,
            )
            if replaced:
                EarPhoto.objects.filter(pk__in=[p.pk for p in replaced]).delete()
                photo_objects_delete_on_commit(p.storage_key for p in replaced)
            if on_stored is not None:
                on_stored(photo)
            audit_event_record(
                actor=actor or AuditActor.for_fitting(locked.pk),
                action=AuditAction.PHOTO_STORED,
                object_type="ear_photo",
                object_id=str(photo.pk),
                payload={
                    "fitting_id": str(locked.pk),
                    "side": side,
                    "scale": photo.scale,
                    "size_bytes": photo.size_bytes,
                    "model_version": model.label,
                    "replaced": [str(p.pk) for p in replaced],
                    **(audit_facts or {}),
                },
            )
    except BaseException:
        photo_objects_delete([key])
        raise
    return photo
