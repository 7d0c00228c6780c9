"""What the ranking takes and gives: frozen, Django-free values."""

from dataclasses import dataclass
from typing import Any, Literal

from inference.types import Measurement
from recommendations.vocabulary import TIP_SIZES, FormFactor, Scale

Basis = Literal["questionnaire", "measurements"]


@dataclass(frozen=True)
class Preferences:
    uses: frozenset[str]
    form_factor: str  # a FormFactor, or "no_preference"
    noise_cancelling: str
    wireless: str
    budget: str
    glasses: bool
    past_problems: frozenset[str]
    current_tip_size: str | None

    @classmethod
    def from_answers(cls, answers: dict[str, Any]) -> "Preferences":
        tip = answers.get("current_tip_size")
        return cls(
            uses=frozenset(answers.get("uses", [])),
            form_factor=answers.get("form_factor", "no_preference"),
            noise_cancelling=answers.get("noise_cancelling", "nice"),
            wireless=answers.get("wireless", "either"),
            budget=answers.get("budget", "50_150"),
            glasses=bool(answers.get("glasses", False)),
            past_problems=frozenset(answers.get("past_problems", [])) - {"none"},
            current_tip_size=tip if tip in TIP_SIZES else None,
        )


@dataclass(frozen=True)
class ProductFit:
    id: int
    name: str
    form_factor: FormFactor | str
    tip_sizes: tuple[str, ...]
    weight_g: float
    price: float
    anc: bool
    wireless: bool
    water_resistance: str
    microphone: bool
    shell_length_mm: float | None = None
    shell_width_mm: float | None = None
    cup_inner_height_mm: float | None = None
    cup_inner_width_mm: float | None = None
    clamp_force_n: float | None = None
    # The budget answers are in euros; a price in another currency is compared as if it were.
    currency: str = "EUR"


@dataclass(frozen=True)
class EarGeometry:
    """Measurements from a photo. Only `scale == "mm"` geometry is compared with products."""

    scale: Scale
    ear_length: Measurement
    ear_width: Measurement
    concha_height: Measurement
    concha_width: Measurement
    intertragal_notch_width: Measurement
    confidence: float


@dataclass(frozen=True)
class TipSuggestion:
    size: str | None
    confidence: float
    abstained: bool
    reason: str


@dataclass(frozen=True)
class RankedItem:
    product_id: int
    rank: int
    score: float
    tip_size: str | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Ranking:
    items: tuple[RankedItem, ...]
    tip: TipSuggestion
    basis: Basis
    version: str
