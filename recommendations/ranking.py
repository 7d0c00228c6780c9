"""Ranking: pure functions from preferences, products and (optionally) ear geometry to a ranking.

No Django here, so the rules are tested directly and fast. Each product gets a score in [0, 1]:
the weighted mean of components (form factor, uses, noise cancelling, wireless, budget, glasses,
past problems, and fit geometry when a photo was measured in mm). A component that does not apply
has weight 0. Reasons are the plain-word account of the strongest components.

The tip size is an estimate to start from: a photo cannot see the ear canal, so it comes from the
intertragal notch width (a proxy for the canal entrance) and the shopper's current size, and the
recommender abstains when neither is good enough, recommending the medium tip that most products
ship fitted.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

RANKING_VERSION = "2026.11.1"

TIP_SIZES = ("XS", "S", "M", "L", "XL")
DEFAULT_TIP = "M"
BUDGET_BANDS: dict[str, tuple[float, float]] = {
    "under_50": (0.0, 50.0),
    "50_150": (50.0, 150.0),
    "150_300": (150.0, 300.0),
    "over_300": (300.0, 10_000.0),
}
SEALED = {"in_ear"}
IN_OR_ON_THE_EAR = {"in_ear", "earbud", "open", "ear_hook"}
HEADBAND = {"over_ear", "on_ear"}
WATER_RESISTANT = {"IPX4", "IPX5", "IP55", "IPX7", "IP57", "IP68"}


@dataclass(frozen=True)
class Preferences:
    uses: frozenset[str]
    form_factor: str
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
    form_factor: str
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


@dataclass(frozen=True)
class Measurement:
    value: float
    uncertainty: float


@dataclass(frozen=True)
class EarGeometry:
    """Measurements from a photo. Only `scale == "mm"` geometry is compared with products."""

    scale: Literal["mm", "relative"]
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
    basis: Literal["questionnaire", "measurements"]
    version: str = RANKING_VERSION


@dataclass(frozen=True)
class _Component:
    name: str
    weight: float
    value: float
    good: str = ""
    bad: str = ""


def tip_suggest(*, preferences: Preferences, measured: TipSuggestion | None) -> TipSuggestion:
    """Combine the photo's tip estimate with the shopper's current size.

    A confident photo estimate wins; when the shopper's size is within one step of it, confidence
    rises. Without a usable estimate, the shopper's current size is used at moderate confidence.
    Otherwise abstain, with the photo's reason when a photo was measured.
    """
    current = preferences.current_tip_size
    if measured is not None and not measured.abstained and measured.size in TIP_SIZES:
        confidence = measured.confidence
        reason = measured.reason
        if current is not None:
            gap = abs(TIP_SIZES.index(current) - TIP_SIZES.index(measured.size))
            if gap <= 1:
                confidence = min(0.95, confidence + 0.1)
                reason += f" Your current size ({current}) agrees."
            else:
                confidence = max(0.2, confidence - 0.2)
                reason += f" Your current size is {current}; if {measured.size} feels wrong, go back to it."
        return TipSuggestion(measured.size, round(confidence, 2), False, reason)
    if current is not None:
        return TipSuggestion(current, 0.6, False, f"You said size {current} fits you now.")
    if measured is not None:
        return measured  # the photo's own account of why it abstained
    return TipSuggestion(
        None,
        0.0,
        True,
        "We cannot tell your ear-tip size without a measured photo; start with the medium tip most "
        "earphones come fitted with, and go smaller if it presses or larger if it slips.",
    )


def _form_component(preferences: Preferences, product: ProductFit) -> _Component:
    wanted = preferences.form_factor
    if wanted == "no_preference":
        return _Component("form", 1.0, 0.6)
    if wanted == product.form_factor:
        return _Component("form", 3.0, 1.0, good="the kind you prefer")
    related = (wanted in IN_OR_ON_THE_EAR and product.form_factor in IN_OR_ON_THE_EAR) or (
        wanted in HEADBAND and product.form_factor in HEADBAND
    )
    return _Component("form", 3.0, 0.4 if related else 0.05, bad="not the kind you prefer")


def _use_fit(use: str, product: ProductFit) -> float:
    ff = product.form_factor
    if use == "sport":
        shape = {"in_ear": 1.0, "ear_hook": 1.0, "open": 0.9, "earbud": 0.6}.get(ff, 0.15)
        water = 1.0 if product.water_resistance in WATER_RESISTANT else 0.5
        return shape * water * (1.0 if product.wireless else 0.6)
    if use == "commute":
        return (1.0 if product.anc else 0.55) * (1.0 if product.wireless else 0.8)
    if use == "office":
        comfort = 1.0 if ff in {"over_ear", "open", "earbud"} else 0.75
        return comfort * (1.0 if product.microphone else 0.6)
    if use == "calls":
        return 1.0 if product.microphone else 0.0
    if use == "travel":
        return (1.0 if product.anc else 0.45) * (1.0 if ff in {"over_ear", "in_ear"} else 0.8)
    if use == "sleep":
        small = ff in {"in_ear", "earbud"} and product.weight_g <= 6.0
        return 1.0 if small else (0.4 if ff in {"in_ear", "earbud"} else 0.0)
    return 0.5


_USE_WORDS = {
    "sport": "sport",
    "commute": "commuting",
    "office": "office work",
    "calls": "calls",
    "travel": "travel",
    "sleep": "sleeping",
}


def _uses_component(preferences: Preferences, product: ProductFit) -> _Component:
    if not preferences.uses:
        return _Component("uses", 0.0, 0.0)
    fits = {use: _use_fit(use, product) for use in sorted(preferences.uses)}
    value = sum(fits.values()) / len(fits)
    good_for = [_USE_WORDS.get(use, use) for use, fit in fits.items() if fit >= 0.85]
    poor_for = [_USE_WORDS.get(use, use) for use, fit in fits.items() if fit < 0.5]
    return _Component(
        "uses",
        3.0,
        value,
        good=f"suits {' and '.join(good_for)}" if good_for else "",
        bad=f"less suited to {' and '.join(poor_for)}" if poor_for else "",
    )


def _anc_component(preferences: Preferences, product: ProductFit) -> _Component:
    weight = {"must": 2.5, "nice": 1.0}.get(preferences.noise_cancelling, 0.0)
    return _Component(
        "anc", weight, 1.0 if product.anc else 0.0, good="has noise cancelling", bad="no noise cancelling"
    )


def _wireless_component(preferences: Preferences, product: ProductFit) -> _Component:
    if preferences.wireless == "either":
        return _Component("wireless", 0.0, 0.0)
    match = product.wireless == (preferences.wireless == "wireless")
    kind = "wireless" if product.wireless else "wired"
    return _Component("wireless", 2.0, 1.0 if match else 0.0, good=kind, bad=f"{kind}, not what you asked for")


def _budget_component(preferences: Preferences, product: ProductFit) -> _Component:
    low, high = BUDGET_BANDS.get(preferences.budget, BUDGET_BANDS["50_150"])
    if product.price <= high:
        value = 1.0 if product.price >= low else 0.85
        return _Component("budget", 2.5, value, good="within your budget")
    over = (product.price - high) / max(high, 1.0)
    return _Component("budget", 2.5, max(0.0, 1.0 - 3.0 * over), bad="above your budget")


def _glasses_component(preferences: Preferences, product: ProductFit) -> _Component:
    if not preferences.glasses:
        return _Component("glasses", 0.0, 0.0)
    if product.form_factor in HEADBAND:
        firm = (product.clamp_force_n or 0.0) > 4.0
        return _Component("glasses", 1.5, 0.2 if firm else 0.5, bad="cushions press on glasses' arms")
    if product.form_factor == "ear_hook":
        return _Component("glasses", 1.5, 0.6, bad="hooks share the space behind the ear with glasses")
    return _Component("glasses", 1.5, 1.0, good="comfortable with glasses")


def _problems_component(preferences: Preferences, product: ProductFit) -> _Component:
    problems = preferences.past_problems
    if not problems:
        return _Component("problems", 0.0, 0.0)
    ff = product.form_factor
    scores: list[float] = []
    if "falls_out" in problems:
        many_tips = len(product.tip_sizes) >= 4
        scores.append(
            {"ear_hook": 1.0, "over_ear": 0.9, "on_ear": 0.85, "open": 0.7, "earbud": 0.3}.get(
                ff, 0.9 if many_tips else 0.7
            )
        )
    if "pressure" in problems:
        firm = (product.clamp_force_n or 0.0) > 4.0
        scores.append({"open": 1.0, "earbud": 0.9, "ear_hook": 0.8, "in_ear": 0.3}.get(ff, 0.45 if firm else 0.7))
    if "pain" in problems:
        light = 1.0 if product.weight_g <= 8 else (0.7 if product.weight_g <= 250 else 0.4)
        scores.append(light * (1.0 if ff in {"open", "earbud", "over_ear"} else 0.7))
    value = sum(scores) / len(scores)
    return _Component(
        "problems", 2.0, value, good="avoids the trouble you had before", bad="may bring back past trouble"
    )


def _decay(excess_mm: float, scale_mm: float) -> float:
    return max(0.0, 1.0 - excess_mm / scale_mm)


def _geometry_component(ear: EarGeometry | None, tip: TipSuggestion, product: ProductFit) -> _Component:
    if ear is None or ear.scale != "mm":
        return _Component("geometry", 0.0, 0.0)
    weight = 4.0 * max(0.3, ear.confidence)
    ff = product.form_factor
    concha_w = ear.concha_width.value
    if ff == "in_ear":
        tip_ok = 1.0 if tip.size is None or tip.size in product.tip_sizes else 0.3
        shell = product.shell_width_mm
        shell_ok = 1.0 if shell is None else _decay(max(0.0, shell - (concha_w + 2.0)), 8.0)
        value = tip_ok * 0.6 + shell_ok * 0.4
        measured_tip = tip.size is not None and not tip.abstained
        return _Component(
            "geometry",
            weight,
            value,
            good="your tip size is in the box and the shell fits your concha"
            if measured_tip
            else "the shell fits your concha",
            bad="the shell or tips may not suit your measured ear",
        )
    if ff == "earbud":
        shell = product.shell_width_mm or 16.0
        too_big = max(0.0, shell - (concha_w + 1.0))
        too_small = max(0.0, (concha_w - 4.0) - shell)
        value = _decay(too_big, 5.0) * _decay(too_small, 6.0)
        return _Component(
            "geometry",
            weight,
            value,
            good="the bud matches your concha width",
            bad="the bud may be too big" if too_big else "the bud may sit loosely",
        )
    if ff == "over_ear":
        cup = product.cup_inner_height_mm
        if cup is None:
            return _Component("geometry", 0.0, 0.0)
        short = max(0.0, ear.ear_length.value + 2.0 - cup)
        return _Component(
            "geometry",
            weight,
            _decay(short, 10.0),
            good="the cups surround your whole ear",
            bad="the cups may press on your ear",
        )
    return _Component("geometry", weight * 0.5, 0.75)


def _product_tip(tip: TipSuggestion, product: ProductFit) -> str | None:
    if not product.tip_sizes:
        return None
    wanted = tip.size or DEFAULT_TIP
    if wanted in product.tip_sizes:
        return wanted
    index = TIP_SIZES.index(wanted)
    return min(product.tip_sizes, key=lambda size: abs(TIP_SIZES.index(size) - index) if size in TIP_SIZES else 9)


def _score_product(
    preferences: Preferences, product: ProductFit, ear: EarGeometry | None, tip: TipSuggestion
) -> tuple[float, tuple[str, ...]]:
    components = [
        _form_component(preferences, product),
        _uses_component(preferences, product),
        _anc_component(preferences, product),
        _wireless_component(preferences, product),
        _budget_component(preferences, product),
        _glasses_component(preferences, product),
        _problems_component(preferences, product),
        _geometry_component(ear, tip, product),
    ]
    total_weight = sum(c.weight for c in components)
    score = sum(c.weight * c.value for c in components) / total_weight if total_weight else 0.0
    if preferences.noise_cancelling == "must" and not product.anc:
        score *= 0.6  # a must-have that is missing cannot be made up by other strengths
    ordered = sorted((c for c in components if c.weight > 0), key=lambda c: c.weight * c.value, reverse=True)
    good = [c.good for c in ordered if c.value >= 0.8 and c.good]
    bad = [c.bad for c in reversed(ordered) if c.value < 0.5 and c.bad]
    reasons = [_sentence(text) for text in good[:3]] + [_sentence(f"but {text}") for text in bad[:2]]
    return round(min(1.0, max(0.0, score)), 4), tuple(reasons)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."


def rank_products(
    *,
    preferences: Preferences,
    products: Iterable[ProductFit],
    ear: EarGeometry | None = None,
    measured_tip: TipSuggestion | None = None,
    limit: int = 10,
) -> Ranking:
    """Rank products best first (ties: cheaper first, then by id, so the order is stable)."""
    usable_ear = ear if ear is not None and ear.scale == "mm" else None
    tip = tip_suggest(preferences=preferences, measured=measured_tip)
    scored: list[tuple[float, ProductFit, tuple[str, ...]]] = []
    for product in products:
        score, reasons = _score_product(preferences, product, usable_ear, tip)
        scored.append((score, product, reasons))
    scored.sort(key=lambda row: (-row[0], row[1].price, row[1].id))
    items = tuple(
        RankedItem(
            product_id=product.id,
            rank=index + 1,
            score=score,
            tip_size=_product_tip(tip, product),
            reasons=reasons,
        )
        for index, (score, product, reasons) in enumerate(scored[:limit])
    )
    basis: Literal["questionnaire", "measurements"] = "measurements" if usable_ear else "questionnaire"
    return Ranking(items=items, tip=tip, basis=basis)
