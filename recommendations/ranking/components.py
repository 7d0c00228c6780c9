"""The components of a product's score: each a weight and a value in [0, 1], with its reasons.

A component that does not apply to this shopper has weight 0. Numbers come from `weights.py`.
"""

import math
from dataclasses import dataclass

from recommendations.ranking.types import EarGeometry, Preferences, ProductFit, TipSuggestion
from recommendations.ranking.weights import RankingWeights
from recommendations.vocabulary import HEADBAND, IN_OR_ON_THE_EAR, FormFactor, WaterResistance

# Kinds that rest lightly for hours (office), block engine noise (travel), or lie flat in the ear
# (sleep); the rest press on one spot (pain).
OFFICE_COMFORTABLE = frozenset({FormFactor.OVER_EAR, FormFactor.OPEN, FormFactor.EARBUD})
TRAVEL_QUIET = frozenset({FormFactor.OVER_EAR, FormFactor.IN_EAR})
SLEEP_SMALL = frozenset({FormFactor.IN_EAR, FormFactor.EARBUD})
PAIN_GENTLE = frozenset({FormFactor.OPEN, FormFactor.EARBUD, FormFactor.OVER_EAR})
WATER_RESISTANT = frozenset(WaterResistance) - {WaterResistance.NONE}

USE_WORDS = {
    "sport": "sport",
    "commute": "commuting",
    "office": "office work",
    "calls": "calls",
    "travel": "travel",
    "sleep": "sleeping",
}


@dataclass(frozen=True)
class Component:
    name: str
    weight: float
    value: float
    good: str = ""
    bad: str = ""


def form_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    wanted = preferences.form_factor
    if wanted == "no_preference":
        return Component("form", w.form_no_preference_weight, w.form_no_preference_value)
    if wanted == product.form_factor:
        return Component("form", w.form_preferred_weight, 1.0, good="the kind you prefer")
    related = (wanted in IN_OR_ON_THE_EAR and product.form_factor in IN_OR_ON_THE_EAR) or (
        wanted in HEADBAND and product.form_factor in HEADBAND
    )
    value = w.form_related_value if related else w.form_unrelated_value
    return Component("form", w.form_preferred_weight, value, bad="not the kind you prefer")


def use_fit(use: str, product: ProductFit, w: RankingWeights) -> float:
    """How well the product suits one use, in [0, 1]."""
    ff = product.form_factor
    if use == "sport":
        shape = w.sport_kind_value.get(ff, w.sport_other_kind_value)
        water = 1.0 if product.water_resistance in WATER_RESISTANT else w.sport_not_water_resistant_factor
        return shape * water * (1.0 if product.wireless else w.sport_wired_factor)
    if use == "commute":
        anc = 1.0 if product.anc else w.commute_no_anc_factor
        return anc * (1.0 if product.wireless else w.commute_wired_factor)
    if use == "office":
        comfort = 1.0 if ff in OFFICE_COMFORTABLE else w.office_other_kind_factor
        return comfort * (1.0 if product.microphone else w.office_no_microphone_factor)
    if use == "calls":
        return 1.0 if product.microphone else 0.0
    if use == "travel":
        anc = 1.0 if product.anc else w.travel_no_anc_factor
        return anc * (1.0 if ff in TRAVEL_QUIET else w.travel_other_kind_factor)
    if use == "sleep":
        if ff not in SLEEP_SMALL:
            return 0.0
        return 1.0 if product.weight_g <= w.sleep_max_weight_g else w.sleep_heavy_value
    return w.use_unknown_value


def uses_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    if not preferences.uses:
        return Component("uses", 0.0, 0.0)
    fits = {use: use_fit(use, product, w) for use in sorted(preferences.uses)}
    value = sum(fits.values()) / len(fits)
    good_for = [USE_WORDS.get(use, use) for use, fit in fits.items() if fit >= w.use_good_at]
    poor_for = [USE_WORDS.get(use, use) for use, fit in fits.items() if fit < w.use_poor_below]
    return Component(
        "uses",
        w.uses_weight,
        value,
        good=f"suits {' and '.join(good_for)}" if good_for else "",
        bad=f"less suited to {' and '.join(poor_for)}" if poor_for else "",
    )


def anc_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    weight = {"must": w.anc_must_weight, "nice": w.anc_nice_weight}.get(preferences.noise_cancelling, 0.0)
    return Component("anc", weight, 1.0 if product.anc else 0.0, good="has noise cancelling", bad="no noise cancelling")


def wireless_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    if preferences.wireless == "either":
        return Component("wireless", 0.0, 0.0)
    match = product.wireless == (preferences.wireless == "wireless")
    kind = "wireless" if product.wireless else "wired"
    return Component(
        "wireless", w.wireless_weight, 1.0 if match else 0.0, good=kind, bad=f"{kind}, not what you asked for"
    )


def money(amount: float, currency: str) -> str:
    """ "EUR 329", "EUR 49.90": whole amounts without cents."""
    return f"{currency} {amount:,.2f}".removesuffix(".00")


def budget_band(preferences: Preferences, w: RankingWeights) -> tuple[float, float]:
    return w.budget_bands.get(preferences.budget, w.budget_bands["50_150"])


def budget_words(low: float, high: float, currency: str) -> str:
    """The shopper's budget as they chose it: "under EUR 50", "EUR 50 to 150", "over EUR 300"."""
    if low <= 0:
        return f"under {money(high, currency)}"
    if math.isinf(high):
        return f"over {money(low, currency)}"
    return f"{money(low, currency)} to {high:,.0f}"


def budget_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    low, high = budget_band(preferences, w)
    price = money(product.price, product.currency)
    budget = budget_words(low, high, product.currency)
    if product.price <= high:
        if product.price >= low:
            return Component("budget", w.budget_weight, 1.0, good=f"{price}, within your budget ({budget})")
        return Component(
            "budget", w.budget_weight, w.budget_below_band_value, good=f"{price}, below your budget ({budget})"
        )
    over = (product.price - high) / max(high, 1.0)
    return Component(
        "budget",
        w.budget_weight,
        max(0.0, 1.0 - w.budget_over_slope * over),
        bad=f"{price} is {money(product.price - high, product.currency)} over your budget ({budget}), "
        "so its score is lowered",
    )


def budget_factor(preferences: Preferences, product: ProductFit, w: RankingWeights) -> float:
    """The share of its score a product over the shopper's budget keeps (1 within it)."""
    _, high = budget_band(preferences, w)
    if product.price <= high:
        return 1.0
    over = (product.price - high) / max(high, 1.0)
    return max(w.budget_over_score_floor, 1.0 - w.budget_over_score_slope * over)


def glasses_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    if not preferences.glasses:
        return Component("glasses", 0.0, 0.0)
    if product.form_factor in HEADBAND:
        firm = (product.clamp_force_n or 0.0) > w.firm_clamp_n
        value = w.glasses_firm_headband_value if firm else w.glasses_headband_value
        return Component("glasses", w.glasses_weight, value, bad="cushions press on glasses' arms")
    if product.form_factor == FormFactor.EAR_HOOK:
        return Component(
            "glasses",
            w.glasses_weight,
            w.glasses_ear_hook_value,
            bad="hooks share the space behind the ear with glasses",
        )
    return Component("glasses", w.glasses_weight, 1.0, good="comfortable with glasses")


def problems_component(preferences: Preferences, product: ProductFit, w: RankingWeights) -> Component:
    problems = preferences.past_problems
    if not problems:
        return Component("problems", 0.0, 0.0)
    ff = product.form_factor
    scores: list[float] = []
    if "falls_out" in problems:
        tips = w.falls_out_many_tips_value if len(product.tip_sizes) >= w.many_tips else w.falls_out_few_tips_value
        scores.append(w.falls_out_kind_value.get(ff, tips))
    if "pressure" in problems:
        firm = (product.clamp_force_n or 0.0) > w.firm_clamp_n
        headband = w.pressure_firm_headband_value if firm else w.pressure_headband_value
        scores.append(w.pressure_kind_value.get(ff, headband))
    if "pain" in problems:
        if product.weight_g <= w.pain_light_g:
            light = 1.0
        else:
            light = w.pain_middle_value if product.weight_g <= w.pain_middle_g else w.pain_heavy_value
        scores.append(light * (1.0 if ff in PAIN_GENTLE else w.pain_pressing_kind_factor))
    value = sum(scores) / len(scores)
    return Component(
        "problems",
        w.problems_weight,
        value,
        good="avoids the trouble you had before",
        bad="may bring back past trouble",
    )


def _decay(excess_mm: float, scale_mm: float) -> float:
    return max(0.0, 1.0 - excess_mm / scale_mm)


def geometry_component(
    ear: EarGeometry | None, tip: TipSuggestion, product: ProductFit, w: RankingWeights
) -> Component:
    if ear is None or ear.scale != "mm":
        return Component("geometry", 0.0, 0.0)
    weight = w.geometry_weight * max(w.geometry_min_confidence, ear.confidence)
    ff = product.form_factor
    concha_w = ear.concha_width.value
    if ff == FormFactor.IN_EAR:
        tip_ok = 1.0 if tip.size is None or tip.size in product.tip_sizes else w.tip_missing_value
        shell = product.shell_width_mm
        shell_ok = 1.0 if shell is None else _decay(max(0.0, shell - (concha_w + w.shell_slack_mm)), w.shell_decay_mm)
        value = tip_ok * w.in_ear_tip_share + shell_ok * (1.0 - w.in_ear_tip_share)
        measured_tip = tip.size is not None and not tip.abstained
        return Component(
            "geometry",
            weight,
            value,
            good="your tip size is in the box and the shell fits your concha"
            if measured_tip
            else "the shell fits your concha",
            bad="the shell or tips may not suit your measured ear",
        )
    if ff == FormFactor.EARBUD:
        shell = product.shell_width_mm or w.bud_default_width_mm
        too_big = max(0.0, shell - (concha_w + w.bud_slack_mm))
        too_small = max(0.0, (concha_w - w.bud_gap_mm) - shell)
        value = _decay(too_big, w.bud_too_big_decay_mm) * _decay(too_small, w.bud_too_small_decay_mm)
        return Component(
            "geometry",
            weight,
            value,
            good="the bud matches your concha width",
            bad="the bud may be too big" if too_big else "the bud may sit loosely",
        )
    if ff == FormFactor.OVER_EAR:
        cup = product.cup_inner_height_mm
        if cup is None:
            return Component("geometry", 0.0, 0.0)
        short = max(0.0, ear.ear_length.value + w.cup_margin_mm - cup)
        return Component(
            "geometry",
            weight,
            _decay(short, w.cup_decay_mm),
            good="the cups surround your whole ear",
            bad="the cups may press on your ear",
        )
    return Component("geometry", weight * w.other_geometry_weight_share, w.other_geometry_value)
