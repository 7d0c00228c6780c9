"""The typed result of analysing one ear photo. Frozen, JSON-friendly via ``to_dict``."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from inference.vocabulary import Scale, TipSize, Unit

__all__ = ["EarAnalysis", "Keypoint", "Measurement", "QualityIssue", "Scale", "TipSize", "TipSizeEstimate", "Unit"]


@dataclass(frozen=True)
class Keypoint:
    name: str
    x: float  # pixels of the stored photo (the analysed image unless ``analyse_photo`` was told otherwise)
    y: float
    confidence: float  # 0..1: heatmap sharpness for landmarks, edge-fit precision for a verified card


@dataclass(frozen=True)
class Measurement:
    """One measured distance; the one measurement type of inference and ranking alike."""

    name: str
    value: float
    uncertainty: float  # about one standard deviation, same unit as value
    unit: Unit  # "ratio": relative to ear length, when no card gives the scale


@dataclass(frozen=True)
class QualityIssue:
    # Rejections (blocking): no_ear, too_dark, too_bright, blurry, ear_cut_off, ear_too_small,
    # bad_pose, scale_inconsistent, implausible_measurement. Warnings (not blocking):
    # no_reference_card, card_not_verified.
    code: str
    message: str  # a sentence telling the shopper how to retake the photo
    blocking: bool  # True: the photo is rejected and carries no measurements; False: a warning


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
    card_verified: bool = False  # the card's corners passed the geometric check (mm only then)
    card_check: str = ""  # why a card the network saw was not accepted, in words ("" if it was)

    @property
    def usable(self) -> bool:
        """No blocking quality issue: measurements can be shown and used for ranking."""
        return not any(issue.blocking for issue in self.quality)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every issue's code, rejections and warnings alike (see ``rejection_reasons``)."""
        return tuple(issue.code for issue in self.quality)

    @property
    def rejection_reasons(self) -> tuple[str, ...]:
        """The blocking issues only, the primary one first; warnings are never among them."""
        return tuple(issue.code for issue in self.quality if issue.blocking)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(issue.code for issue in self.quality if not issue.blocking)

    @property
    def primary_issue(self) -> QualityIssue | None:
        """The one reason a rejected photo is given, with its sentence; None when it passed."""
        return next((issue for issue in self.quality if issue.blocking), None)

    def measurement(self, name: str) -> Measurement | None:
        return next((m for m in self.measurements if m.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["usable"] = self.usable
        primary = self.primary_issue
        data["primary_reason"] = {"code": primary.code, "message": primary.message} if primary else None
        return data
