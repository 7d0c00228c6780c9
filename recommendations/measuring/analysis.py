"""The one place the Django side talks to `inference/`: bytes in, JSON-ready results out.

Inference errors become the API's errors here: a bad file is a 4xx with the shopper's sentence;
a model that cannot be loaded is a 503 (the service is not ready), never a 500.
"""

import functools
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image

from earfit.exceptions import ApplicationError, DependencyUnavailable
from inference.errors import ModelIntegrityError, ModelUnavailable, PhotoRejected
from inference.overlay import CARD_COLOUR, COLOURS
from inference.postprocess import BLOCKING, PRIORITY
from inference.predict import analyse_photo, render_overlay
from inference.preprocess import decode_photo, reencode_for_storage
from inference.registry import ModelSpec, default_spec, read_model_card, spec_for_version
from inference.types import EarAnalysis, Keypoint, Measurement, QualityIssue, TipSizeEstimate
from inference.vocabulary import MEASUREMENT_LABELS

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoMeasured:
    passed: bool
    # Why a photo failed (blocking issues, the one to fix first at the head), or, for a photo
    # that passed, what to know about it (a missing card: relative sizes).
    reasons: list[dict[str, str]]
    warnings: list[dict[str, str]]
    guidance: str
    scale: str
    confidence: float
    measurements: dict[str, dict[str, Any]]
    tip_size: str | None
    tip_confidence: float
    geometry: dict[str, Any]
    stored_jpeg: bytes
    width: int
    height: int
    model: str  # "<name>-<version>" of the model that measured it


def model_spec() -> ModelSpec:
    try:
        return default_spec()
    except (ModelUnavailable, ModelIntegrityError) as exc:
        logger.error("ear model unavailable: %s", exc)
        raise DependencyUnavailable("model") from exc


@functools.cache
def _card(card_path: str) -> dict[str, Any]:
    return read_model_card(Path(card_path))


def model_card() -> dict[str, Any]:
    """The card of the model this release ships (the first one activated on a fresh database)."""
    return _card(str(model_spec().card_path))


def model_spec_for(*, name: str, version: str, sha256: str) -> ModelSpec:
    """The loaded spec of a registered version; a 503 when its file is missing or is not the
    file the version was registered with (its sha256), never a measurement by another model."""
    try:
        shipped = model_spec()
        same = (shipped.name, shipped.version) == (name, version)
        spec = shipped if same else spec_for_version(version, name)
    except (ModelUnavailable, ModelIntegrityError) as exc:
        logger.error("ear model %s-%s unavailable: %s", name, version, exc)
        raise DependencyUnavailable("model") from exc
    if spec.sha256 != sha256:
        logger.error(
            "ear model %s pins sha256 %s, its registered version %s: refusing it", spec.label, spec.sha256, sha256
        )
        raise DependencyUnavailable("model")
    return spec


# When a photo has several problems, the shopper is told one: the first of these it has, in the
# inference package's one order (`inference.postprocess.PRIORITY`, where the reasons for it are).
# Every blocking code is listed (a test keeps it so).
RETAKE_ORDER = tuple(code for code in PRIORITY if code in BLOCKING)


@dataclass(frozen=True)
class RetakeAdvice:
    reasons: list[dict[str, str]]
    warnings: list[dict[str, str]]
    guidance: str


def retake_advice(issues: Sequence[QualityIssue]) -> RetakeAdvice:
    """The blocking issues, the one to fix first at the head, whose sentence is all the shopper
    reads; and the issues that do not block (no card) apart, never among the reasons for a retake."""

    def order(issue: QualityIssue) -> int:
        return RETAKE_ORDER.index(issue.code) if issue.code in RETAKE_ORDER else len(RETAKE_ORDER)

    blocking = sorted((issue for issue in issues if issue.blocking), key=order)
    return RetakeAdvice(
        reasons=[{"code": issue.code, "message": issue.message} for issue in blocking],
        warnings=[{"code": issue.code, "message": issue.message} for issue in issues if not issue.blocking],
        guidance=blocking[0].message if blocking else "",
    )


def photo_measure(data: bytes, *, spec: ModelSpec, long_side: int | None = None) -> PhotoMeasured:
    """Decode at reduced scale (``long_side``, the stored size by default), measure with ``spec``,
    and re-encode for storage; raises the API's errors (a photo that fails the quality gate is a
    result with ``passed`` false)."""
    try:
        decoded = decode_photo(
            data,
            max_bytes=settings.PHOTO_MAX_BYTES,
            max_pixels=settings.PHOTO_MAX_PIXELS,
            target_long_side=long_side or settings.PHOTO_STORED_LONG_SIDE,
            max_decoded_bytes=settings.PHOTO_DECODE_MAX_BYTES,
        )
    except PhotoRejected as exc:
        logger.info("photo rejected: %s", exc)
        raise ApplicationError(exc.message, code=exc.code, status_code=exc.status) from exc
    try:
        analysis = analyse_photo(decoded.image, spec=spec)
    except (ModelUnavailable, ModelIntegrityError) as exc:
        raise DependencyUnavailable("model") from exc
    advice = retake_advice(analysis.quality)
    stored = reencode_for_storage(decoded.image) if analysis.usable else b""
    return PhotoMeasured(
        passed=analysis.usable,
        reasons=advice.reasons if not analysis.usable else advice.warnings,
        warnings=advice.warnings,
        guidance=advice.guidance,
        scale=analysis.scale,
        confidence=round(analysis.confidence, 3),
        measurements={
            m.name: {"value": round(m.value, 2), "uncertainty": round(m.uncertainty, 2), "unit": m.unit}
            for m in analysis.measurements
        },
        tip_size=None if analysis.tip_size.abstained else analysis.tip_size.size,
        tip_confidence=round(analysis.tip_size.confidence, 3),
        geometry=analysis.to_dict(),
        stored_jpeg=stored,
        width=decoded.image.width,
        height=decoded.image.height,
        model=spec.label,
    )


def _analysis_from_dict(data: dict[str, Any]) -> EarAnalysis:
    return EarAnalysis(
        model=data["model"],
        image_size=(int(data["image_size"][0]), int(data["image_size"][1])),
        ear_confidence=data["ear_confidence"],
        card_confidence=data["card_confidence"],
        keypoints=tuple(Keypoint(**k) for k in data["keypoints"]),
        card_corners=tuple(Keypoint(**k) for k in data["card_corners"]),
        scale=data["scale"],
        mm_per_px=data["mm_per_px"],
        measurements=tuple(Measurement(**m) for m in data["measurements"]),
        quality=tuple(QualityIssue(**q) for q in data["quality"]),
        tip_size=TipSizeEstimate(**data["tip_size"]),
        confidence=data["confidence"],
    )


def photo_overlay(stored_jpeg: bytes, geometry: dict[str, Any]) -> bytes:
    """Draw the stored analysis on the stored photo (the same pixels it was measured on)."""
    with Image.open(io.BytesIO(stored_jpeg)) as image:
        return render_overlay(image.convert("RGB"), _analysis_from_dict(geometry))


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def overlay_legend(geometry: dict[str, Any]) -> list[dict[str, str]]:
    """What the overlay of this analysis draws, for a legend: each measurement's line and the
    card's outline, named, in the colour it is drawn in."""
    legend = [
        {"name": name, "label": MEASUREMENT_LABELS[name].capitalize(), "colour": _hex(COLOURS[name])}
        for name in (m["name"] for m in geometry.get("measurements", []))
        if name in COLOURS and name in MEASUREMENT_LABELS
    ]
    if geometry.get("card_corners"):
        legend.append({"name": "card", "label": "Card outline (the scale)", "colour": _hex(CARD_COLOUR)})
    return legend
