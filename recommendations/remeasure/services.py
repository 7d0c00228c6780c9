"""Re-measuring stored photos with another model version, and ranking their fittings again.

Policy: a photo is re-measured from the stored re-encode (the only copy kept: the pixels the
first model measured, at the same size, so landmarks stay in the stored photo's coordinates).
Each read of a photo is audited (`photo.remeasured`, with the digest of the bytes read and the
outcome), in the transaction that writes the new measurement. A photo the new version rejects
keeps no measurements: it is marked as failed with the new version's reasons and no longer
counts for a ranking, because a number the new model does not support is not reported.

Idempotent: only photos not yet measured by the version are taken, so a second run reads and
changes nothing. A fitting with a recommendation is ranked again once its photo changed (the
ranking's inputs digest includes the photo's model version and measurements).
"""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from earfit.exceptions import ApplicationError, DependencyUnavailable
from recommendations.fittings.selectors import fitting_get_open
from recommendations.fittings.services import recommendation_generate
from recommendations.measuring.active import MeasuringModel
from recommendations.measuring.analysis import PhotoMeasured, photo_measure
from recommendations.measuring.services import model_versions_register_shipped
from recommendations.models import EarPhoto, ModelVersion, Recommendation
from recommendations.photos.storage import photo_object_read

REMEASURE_JOB = "remeasure"


@dataclass
class RemeasureResult:
    model: str
    photos_to_remeasure: int = 0
    photos_read: int = 0
    remeasured: int = 0  # measured by the new version and still usable
    rejected: int = 0  # the new version refuses the photo: its measurements are gone
    gone: int = 0  # purged or already re-measured by another run while this one worked
    fittings_reranked: int = 0
    dry_run: bool = False
    affected_fittings: set[str] = field(default_factory=set)

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"would re-measure {self.photos_to_remeasure} photo(s) of {len(self.affected_fittings)} "
                f"fitting(s) with {self.model}; nothing read or changed"
            )
        return (
            f"{self.model}: {self.photos_read} photo(s) read, {self.remeasured} re-measured, "
            f"{self.rejected} rejected by this version, {self.gone} gone meanwhile; "
            f"{self.fittings_reranked} fitting(s) ranked again"
        )


def model_version_named(*, model: str) -> ModelVersion | None:
    """A registered version by `VERSION` or `NAME-VERSION` (the shipped ones registered first)."""
    model_versions_register_shipped()
    for row in ModelVersion.objects.all():
        if model in (row.version, str(row)):
            return row
    return None


def ear_photos_to_remeasure(*, model_version: ModelVersion) -> Iterator[tuple[Any, Any]]:
    """(photo id, fitting id) of every stored photo not yet measured by this version, oldest first."""
    return (
        EarPhoto.objects.filter(purged_at__isnull=True)
        .exclude(model_version=model_version)
        .order_by("created_at", "pk")
        .values_list("pk", "fitting_id")
        .iterator()
    )


def _measure_stored(data: bytes, model: MeasuringModel, long_side: int) -> PhotoMeasured | ApplicationError:
    try:
        # At the stored size, whatever PHOTO_STORED_LONG_SIDE is now: the landmarks stay in its pixels.
        return photo_measure(data, spec=model.spec(), long_side=long_side)
    except DependencyUnavailable:
        raise
    except ApplicationError as exc:  # the stored file no longer decodes: the photo is refused
        return exc


def _photo_fields(measured: PhotoMeasured | ApplicationError) -> dict[str, Any]:
    if isinstance(measured, ApplicationError):
        reasons = [{"code": measured.code, "message": measured.message}]
        return {
            "quality": {"passed": False, "reasons": reasons},
            "measurements": {},
            "geometry": {},
            "scale": "relative",
            "confidence": 0.0,
            "tip_size": "",
            "tip_size_confidence": 0.0,
        }
    return {
        "quality": {"passed": measured.passed, "reasons": measured.reasons},
        "measurements": measured.measurements if measured.passed else {},
        "geometry": measured.geometry,
        "scale": measured.scale,
        "confidence": measured.confidence if measured.passed else 0.0,
        "tip_size": (measured.tip_size or "") if measured.passed else "",
        "tip_size_confidence": measured.tip_confidence if measured.passed else 0.0,
    }


def ear_photo_remeasure(*, photo_id: Any, model: MeasuringModel, actor: AuditActor) -> str:
    """Re-measure one stored photo with `model`: "remeasured", "rejected", "skipped" (purged, or
    measured by `model` already: not read) or "gone" (so since it was read). Every read is
    audited with its outcome, in the transaction that writes the new measurement."""
    photo = EarPhoto.objects.select_related("model_version").filter(pk=photo_id, purged_at__isnull=True).first()
    if photo is None or photo.model_version_id == model.id:
        return "skipped"
    data = photo_object_read(key=photo.storage_key)
    measured = _measure_stored(data, model, max(photo.width, photo.height))
    fields = _photo_fields(measured)
    with transaction.atomic():
        locked = EarPhoto.objects.select_for_update().filter(pk=photo.pk, purged_at__isnull=True).first()
        changed = locked is not None and locked.model_version_id != model.id
        outcome = "gone" if not changed else ("remeasured" if fields["quality"]["passed"] else "rejected")
        if locked is not None and changed:
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.model_version_id = model.id
            locked.save(update_fields=[*fields, "model_version"])
        audit_event_record(
            actor=actor,
            action=AuditAction.PHOTO_REMEASURED,
            object_type="ear_photo",
            object_id=str(photo.pk),
            payload={
                "fitting_id": str(photo.fitting_id),
                "from": str(photo.model_version),
                "to": model.label,
                "outcome": outcome,
                "read_sha256": hashlib.sha256(data).hexdigest(),
                "read_matches_row": hashlib.sha256(data).hexdigest() == photo.sha256,
                "reasons": [r["code"] for r in fields["quality"]["reasons"]] if outcome == "rejected" else [],
            },
        )
    return outcome


def fitting_rerank_after_remeasure(*, fitting_id: Any) -> bool:
    """Rank an open fitting again if it was ranked before; True when a ranking was made."""
    fitting = fitting_get_open(fitting_id=fitting_id)
    if fitting is None or not Recommendation.objects.filter(fitting=fitting).exists():
        return False
    recommendation_generate(fitting=fitting)
    return True


def ear_photos_remeasure(
    *,
    model_version: ModelVersion,
    batch_size: int = 50,
    dry_run: bool = False,
    on_progress: Callable[[int], object] | None = None,
    on_total: Callable[[int], object] | None = None,
) -> RemeasureResult:
    """Re-measure every stored photo not yet measured by `model_version`, `batch_size` ids at a
    time, then rank the affected fittings again; one audited `remeasure.run` row at the end."""
    model = MeasuringModel.of(model_version)
    result = RemeasureResult(model=model.label, dry_run=dry_run)
    pending = list(ear_photos_to_remeasure(model_version=model_version))
    result.photos_to_remeasure = len(pending)
    result.affected_fittings = {str(fitting_id) for _, fitting_id in pending}
    if on_total is not None:
        on_total(len(pending))
    if dry_run:
        return result
    model.spec()  # a model that cannot be loaded stops the run before any photo is read
    actor = AuditActor.system(REMEASURE_JOB)
    changed_fittings: set[str] = set()
    for start in range(0, len(pending), batch_size):
        for photo_id, fitting_id in pending[start : start + batch_size]:
            outcome = ear_photo_remeasure(photo_id=photo_id, model=model, actor=actor)
            result.photos_read += outcome != "skipped"
            result.remeasured += outcome == "remeasured"
            result.rejected += outcome == "rejected"
            result.gone += outcome in ("skipped", "gone")
            if outcome in ("remeasured", "rejected"):
                changed_fittings.add(str(fitting_id))
        if on_progress is not None:
            on_progress(len(pending[start : start + batch_size]))
    for fitting_id in sorted(changed_fittings):
        result.fittings_reranked += fitting_rerank_after_remeasure(fitting_id=fitting_id)
    with transaction.atomic():
        audit_event_record(
            actor=actor,
            action=AuditAction.REMEASURE_RUN,
            object_type="model_version",
            object_id=str(model.id),
            payload={
                "model": model.label,
                "photos_read": result.photos_read,
                "remeasured": result.remeasured,
                "rejected": result.rejected,
                "gone": result.gone,
                "fittings_reranked": result.fittings_reranked,
            },
        )
    return result
