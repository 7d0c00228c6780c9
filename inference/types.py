"""The typed result of analysing one ear photo. Frozen, JSON-friendly via ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from inference.vocabulary import Scale, TipSize, Unit

__all__ = ["EarAnalysis", "Keypoint", "Measurement", "QualityIssue", "Scale", "TipSize", "TipSizeEstimate", "Unit"]


@dataclass(frozen=True)
class Keypoint:
    name: str
    x: float  # pixels in the analysed image
    y: float
    confidence: float  # 0..1, from the sharpness of the model's heatmap


@dataclass(frozen=True)
class Measurement:
    """One measured distance; the one measurement type of inference and ranking alike."""

    name: str
    value: float
    uncertainty: float  # about one standard deviation, same unit as value
    unit: Unit  # "ratio": relative to ear length, when no card gives the scale


@dataclass(frozen=True)
class QualityIssue:
    code: str  # no_ear, no_reference_card, blurry, too_dark, too_bright, ear_too_small, bad_pose
    message: str  # a sentence telling the shopper how to retake the photo
    blocking: bool  # True: measurements must not be used; False: usable with lower confidence


@dataclass(frozen=True)
class TipSizeEstimate:
    size: TipSize | None
    confidence: float  # probability mass of the chosen band under the measurement's uncertainty
    abstained: bool
    reason: str


@dataclass(frozen=True)
class EarAnalysis:
    model: str  # "<name>-<version>" of the model that produced this
    image_size: tuple[int, int]
    ear_confidence: float
    card_confidence: float
    keypoints: tuple[Keypoint, ...]  # ear landmarks; empty when no ear was found
    card_corners: tuple[Keypoint, ...]  # TL, TR, BR, BL; empty when no card was found
    scale: Scale
    mm_per_px: float | None  # approximate, at the ear; None without a card
    measurements: tuple[Measurement, ...]
    quality: tuple[QualityIssue, ...]
    tip_size: TipSizeEstimate
    confidence: float  # overall 0..1: lower without a card or with non-blocking issues

    @property
    def usable(self) -> bool:
        """No blocking quality issue: measurements can be shown and used for ranking."""
        return not any(issue.blocking for issue in self.quality)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(issue.code for issue in self.quality)

    def measurement(self, name: str) -> Measurement | None:
        return next((m for m in self.measurements if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["usable"] = self.usable
        return data
