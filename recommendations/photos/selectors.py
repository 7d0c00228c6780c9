"""Reads of ear photos: the owner's photo, its overlay, the photo a ranking uses, what has expired."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.http import Http404
from django.utils import timezone

from inference.keypoints import MEASUREMENTS
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


MEASURED = frozenset(MEASUREMENTS)


def ear_photo_best_for_fitting(*, fitting: Fitting) -> EarPhoto | None:
    """The photo to rank with: measured in mm if any is, then the most confident, then the newest.
    Only what the owner is shown counts: a photo a newer model rejected when it re-measured it
    (`remeasure`), or whose mm were never backed by a verified card, has nothing to rank with."""
    photos = EarPhoto.objects.filter(fitting=fitting, purged_at__isnull=True).select_related("model_version")
    shown = {p.pk: ear_photo_shown(photo=p) for p in photos}
    return min(
        (p for p in photos if p.quality.get("passed") is not False and shown[p.pk].measurements.keys() >= MEASURED),
        key=lambda p: (shown[p.pk].scale != "mm", -p.confidence, -p.created_at.timestamp()),
        default=None,
    )


def ear_photo_ranking_inputs(*, photo: EarPhoto) -> tuple[EarGeometry, TipSuggestion]:
    """The photo's stored measurements and tip size as the ranking reads them."""

    shown = ear_photo_shown(photo=photo)
    scale: Scale = shown.scale
    unit: Unit = "mm" if scale == "mm" else "ratio"

    def measurement(name: str) -> Measurement:
        stored = shown.measurements[name]
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


@dataclass(frozen=True)
class PhotoShown:
    """What the owner's API shows of a photo's measurement: mm only from a verified card."""

    scale: Scale
    measurements: dict[str, Any]
    card_verified: bool
    landmarks: list[dict[str, Any]]
    card_corners: list[dict[str, Any]]


def _points(raw: Any) -> list[dict[str, Any]]:
    return [
        {"name": str(p["name"]), "x": float(p["x"]), "y": float(p["y"]), "confidence": float(p["confidence"])}
        for p in raw or []
        if isinstance(p, dict) and {"name", "x", "y", "confidence"} <= p.keys()
    ]


def ear_photo_shown(*, photo: EarPhoto) -> PhotoShown:
    """The photo's measurements, landmarks and card corners (stored-photo pixels) as answered.

    The guarantee is kept here too, not only in inference: a row whose geometry does not say its
    card passed the geometric check (a row stored before that check existed, say) shows no value
    in mm; its measurements stay hidden until `remeasure` measures it again.
    """
    verified = bool(photo.geometry.get("card_verified", False))
    shown = {
        name: m
        for name, m in photo.measurements.items()
        if isinstance(m, dict) and (verified or m.get("unit", "mm") != "mm")
    }
    return PhotoShown(
        scale="mm" if verified and photo.scale == "mm" else "relative",
        measurements=shown,
        card_verified=verified,
        landmarks=_points(photo.geometry.get("keypoints")),
        card_corners=_points(photo.geometry.get("card_corners")),
    )


def ear_photo_count_expired(*, older_than: timedelta = timedelta(0), now: datetime | None = None) -> int:
    """How many photos a purge would empty now (for the progress bar's total)."""
    cutoff = (now or timezone.now()) - older_than
    return EarPhoto.objects.filter(purged_at__isnull=True, expires_at__lte=cutoff).count()
