"""The one place the Django side talks to `inference/`: bytes in, JSON-ready results out.

Inference errors become the API's errors here: a bad file is a 4xx with the shopper's sentence;
a model that cannot be loaded is a 503 (the service is not ready), never a 500.
"""

import functools
import io
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from PIL import Image

from earfit.exceptions import ApplicationError, DependencyUnavailable
from inference.errors import ModelIntegrityError, ModelUnavailable, PhotoRejected
from inference.predict import analyse_photo, render_overlay
from inference.preprocess import decode_photo, reencode_for_storage
from inference.registry import ModelSpec, default_spec, read_model_card
from inference.types import EarAnalysis, Keypoint, Measurement, QualityIssue, TipSizeEstimate

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PhotoMeasured:
    passed: bool
    reasons: list[dict[str, str]]
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
    model_card: dict[str, Any]


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
    return _card(str(model_spec().card_path))


def photo_measure(data: bytes) -> PhotoMeasured:
    """Decode at reduced scale, measure, and re-encode for storage; raises the API's errors."""
    try:
        decoded = decode_photo(
            data,
            max_bytes=settings.PHOTO_MAX_BYTES,
            max_pixels=settings.PHOTO_MAX_PIXELS,
            target_long_side=settings.PHOTO_STORED_LONG_SIDE,
        )
    except PhotoRejected as exc:
        logger.info("photo rejected: %s", exc)
        raise ApplicationError(exc.message, code=exc.code, status_code=exc.status) from exc
    spec = model_spec()
    try:
        analysis = analyse_photo(decoded.image, spec=spec)
    except (ModelUnavailable, ModelIntegrityError) as exc:
        raise DependencyUnavailable("model") from exc
    reasons = [{"code": issue.code, "message": issue.message} for issue in analysis.quality]
    blocking = [issue.message for issue in analysis.quality if issue.blocking]
    guidance = " ".join(dict.fromkeys(blocking)) if blocking else ""
    stored = reencode_for_storage(decoded.image) if analysis.usable else b""
    return PhotoMeasured(
        passed=analysis.usable,
        reasons=reasons,
        guidance=guidance,
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
        model_card=model_card(),
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


def model_ready() -> None:
    """Readiness probe: the model's card and file are present and match their checksum."""
    model_spec()
