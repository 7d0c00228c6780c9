"""Reads of ear photos: the owner's photo, its overlay, the photo a ranking uses, what has expired."""

import uuid
from datetime import datetime, timedelta

from django.http import Http404
from django.utils import timezone

from inference.types import Measurement
from recommendations.measuring.analysis import photo_overlay
from recommendations.models import EarPhoto, Fitting
from recommendations.photos.storage import photo_object_read
from recommendations.ranking import EarGeometry, TipSuggestion
from recommendations.vocabulary import Scale, Unit


def ear_photo_get_for_fitting(*, fitting: Fitting, photo_id: uuid.UUID | str) -> EarPhoto:
    photo = EarPhoto.objects.filter(fitting=fitting, pk=photo_id, purged_at__isnull=True).first()
    if photo is None:
        raise Http404
    return photo


def ear_photo_overlay(*, photo: EarPhoto) -> bytes:
    """The stored photo with the detected keypoints, measurement lines and card outline drawn."""
    return photo_overlay(photo_object_read(key=photo.storage_key), photo.geometry)


def ear_photo_best_for_fitting(*, fitting: Fitting) -> EarPhoto | None:
    """The photo to rank with: measured in mm if any is, then the most confident, then the newest.
    A photo the active model rejected when it re-measured it (`remeasure`) has no measurements
    left and does not count."""
    photos = EarPhoto.objects.filter(fitting=fitting, purged_at__isnull=True).select_related("model_version")
    return min(
        (p for p in photos if p.quality.get("passed") is not False),
        key=lambda p: (p.scale != "mm", -p.confidence, -p.created_at.timestamp()),
        default=None,
    )


def ear_photo_ranking_inputs(*, photo: EarPhoto) -> tuple[EarGeometry, TipSuggestion]:
    """The photo's stored measurements and tip size as the ranking reads them."""

    scale: Scale = "mm" if photo.scale == "mm" else "relative"
    unit: Unit = "mm" if scale == "mm" else "ratio"

    def measurement(name: str) -> Measurement:
        stored = photo.measurements[name]
        return Measurement(name, float(stored["value"]), float(stored["uncertainty"]), unit)

    geometry = EarGeometry(
        scale=scale,
        ear_length=measurement("ear_length"),
        ear_width=measurement("ear_width"),
        concha_height=measurement("concha_height"),
        concha_width=measurement("concha_width"),
        intertragal_notch_width=measurement("intertragal_notch_width"),
        confidence=photo.confidence,
    )
    notch = geometry.intertragal_notch_width
    if photo.tip_size:
        reason = f"Measured from your {photo.side} ear: the notch before the ear canal is {notch.value:.1f} ± {notch.uncertainty:.1f} mm."
        tip = TipSuggestion(photo.tip_size, photo.tip_size_confidence, False, reason)
    else:
        reason = "Your photo's measurement of the ear-canal entrance is too uncertain to pick a tip size."
        tip = TipSuggestion(None, photo.tip_size_confidence, True, reason)
    return geometry, tip


def ear_photo_count_expired(*, older_than: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """How many photos a purge would empty now (for the progress bar's total)."""
    cutoff = (now or timezone.now()) - older_than
    return EarPhoto.objects.filter(purged_at__isnull=True, expires_at__lte=cutoff).count()
