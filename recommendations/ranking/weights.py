"""Every weight and threshold the ranking uses, named in one place, with what it means and why.

A score is the weighted mean of components (form factor, uses, noise cancelling, wireless, budget,
glasses, past problems, fit geometry), each valued in [0, 1]. Weights say how much a component
counts next to the others; values say how well a product does on it. The values are judgments made
when the rules were written, not fitted to data: fit feedback (`FitFeedback`) is what would tune
them. Changing any of them changes rankings, so bump `RANKING_VERSION` with it (stored
recommendations are then computed again when read). `tests/recommendations/ranking/test_weights.py`
moves each one and checks that the ranking changes.
"""

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from recommendations.vocabulary import FormFactor


def _table(values: dict[str, float]) -> MappingProxyType[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class RankingWeights:
    # --- Form factor -------------------------------------------------------------------------
    # With no preferred kind, every kind is equally welcome: a small weight and a middling value,
    # so the component neither lifts nor sinks a product.
    form_no_preference_weight: float = 1.0
    form_no_preference_value: float = 0.6
    # The kind of earphone is the first thing a shopper chooses, so a stated preference weighs as
    # much as the uses (3).
    form_preferred_weight: float = 3.0
    # Another kind from the same family (in or on the ear; on a headband) is a fair second choice.
    form_related_value: float = 0.4
    # A kind from the other family is almost never what was asked for.
    form_unrelated_value: float = 0.05

    # --- Uses --------------------------------------------------------------------------------
    # What the product is for weighs as much as its kind (3).
    uses_weight: float = 3.0
    # A use the product suits this well is named as a reason ("suits sport") ...
    use_good_at: float = 0.85
    # ... and one it suits worse than this as a drawback ("less suited to sleeping").
    use_poor_below: float = 0.5
    # A use the rules do not know is neither good nor bad.
    use_unknown_value: float = 0.5
    # Sport: kinds that stay put while moving, from sealed tips and hooks down to loose buds;
    # headband kinds get `sport_other_kind_value`.
    sport_kind_value: MappingProxyType[str, float] = field(
        default_factory=lambda: _table(
            {FormFactor.IN_EAR: 1.0, FormFactor.EAR_HOOK: 1.0, FormFactor.OPEN: 0.9, FormFactor.EARBUD: 0.6}
        )
    )
    sport_other_kind_value: float = 0.15
    # Sweat and rain: without a water-resistance rating a sport product halves its value.
    sport_not_water_resistant_factor: float = 0.5
    # A cable in the way while running takes off 40 %.
    sport_wired_factor: float = 0.6
    # Commuting is noise: without noise cancelling a product keeps a little over half its value.
    commute_no_anc_factor: float = 0.55
    # A cable on a commute is a smaller nuisance than in sport.
    commute_wired_factor: float = 0.8
    # Office: in-ear, on-ear and ear-hook kinds tire the ear over a working day; over-ear, open and
    # buds keep their whole value.
    office_other_kind_factor: float = 0.75
    # Office work is calls too: no microphone takes off 40 %.
    office_no_microphone_factor: float = 0.6
    # Flights are loud: noise cancelling matters more than on a commute.
    travel_no_anc_factor: float = 0.45
    # Over-ear and in-ear block engine noise best; other kinds keep 80 %.
    travel_other_kind_factor: float = 0.8
    # Sleeping on the side: only small in-ear or buds at most this heavy (g) lie flat in the ear ...
    sleep_max_weight_g: float = 6.0
    # ... heavier in-ear or buds are uncomfortable but possible; every other kind is impossible (0).
    sleep_heavy_value: float = 0.4

    # --- Noise cancelling ----------------------------------------------------------------------
    # "A must" weighs nearly as much as a kind or a use; "nice to have" a third of that.
    anc_must_weight: float = 2.5
    anc_nice_weight: float = 1.0
    # A missing must-have cannot be made up by other strengths: the whole score is scaled down.
    anc_missing_must_factor: float = 0.6

    # --- Wireless --------------------------------------------------------------------------------
    # Wired or wireless is a yes-or-no wish: it counts, but less than kind and uses.
    wireless_weight: float = 2.0

    # --- Budget ----------------------------------------------------------------------------------
    # Price matters about as much as noise cancelling that is a must.
    budget_weight: float = 2.5
    # The questionnaire's budget answers, in euros (low, high); "over 300" has no top.
    budget_bands: MappingProxyType[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType(
            {"under_50": (0.0, 50.0), "50_150": (50.0, 150.0), "150_300": (150.0, 300.0), "over_300": (300.0, math.inf)}
        )
    )
    # Cheaper than the band is fine, though it may not be what the shopper had in mind.
    budget_below_band_value: float = 0.85
    # Above the band the value falls this many times the overshoot's share of the band's top:
    # a third over the budget is worth nothing.
    budget_over_slope: float = 3.0
    # A weighted component alone let a product six times the budget score 82 % on its other
    # strengths. Over the budget, the whole score is also scaled down like a missing must-have:
    # by this many times the overshoot's share (10 % over keeps 90 %) ...
    budget_over_score_slope: float = 1.0
    # ... down to this share at most, so a great fit far over the budget still shows, low.
    budget_over_score_floor: float = 0.35

    # --- Glasses ---------------------------------------------------------------------------------
    # Comfort with glasses is a real but secondary concern.
    glasses_weight: float = 1.5
    # Above this clamp force (N) a headband presses glasses' arms into the head (also used for
    # "pressure" below); typical headphones clamp 2.5 to 6 N.
    firm_clamp_n: float = 4.0
    glasses_firm_headband_value: float = 0.2
    glasses_headband_value: float = 0.5
    # A hook behind the ear shares that space with the glasses' arm.
    glasses_ear_hook_value: float = 0.6

    # --- Past problems ---------------------------------------------------------------------------
    # Trouble the shopper had before counts as much as wired-or-wireless.
    problems_weight: float = 2.0
    # "They fall out": hooks and headbands stay on; open kinds and loose buds fall out most.
    falls_out_kind_value: MappingProxyType[str, float] = field(
        default_factory=lambda: _table(
            {
                FormFactor.EAR_HOOK: 1.0,
                FormFactor.OVER_EAR: 0.9,
                FormFactor.ON_EAR: 0.85,
                FormFactor.OPEN: 0.7,
                FormFactor.EARBUD: 0.3,
            }
        )
    )
    # In-ear: a box with this many tip sizes usually holds one that seals and stays.
    many_tips: int = 4
    falls_out_many_tips_value: float = 0.9
    falls_out_few_tips_value: float = 0.7
    # "Pressure in the ear": nothing in the canal is best, sealed tips worst.
    pressure_kind_value: MappingProxyType[str, float] = field(
        default_factory=lambda: _table(
            {FormFactor.OPEN: 1.0, FormFactor.EARBUD: 0.9, FormFactor.EAR_HOOK: 0.8, FormFactor.IN_EAR: 0.3}
        )
    )
    # Headbands press from outside: a firm clamp (above `firm_clamp_n`) more than a light one.
    pressure_firm_headband_value: float = 0.45
    pressure_headband_value: float = 0.7
    # "Pain or soreness": up to this weight (g) a product is light ...
    pain_light_g: float = 8.0
    # ... up to this weight middling ...
    pain_middle_g: float = 250.0
    pain_middle_value: float = 0.7
    # ... and heavier ones worst.
    pain_heavy_value: float = 0.4
    # Kinds that press on one spot (in-ear, on-ear, ear-hook) keep this share for pain.
    pain_pressing_kind_factor: float = 0.7

    # --- Fit geometry (only from a photo measured in mm) ------------------------------------------
    # Measured fit is the strongest evidence there is, so it weighs most, scaled by the photo's
    # confidence ...
    geometry_weight: float = 4.0
    # ... but never below this share of it: a measured photo always counts for something.
    geometry_min_confidence: float = 0.3
    # In-ear: the measured tip size is not in the box.
    tip_missing_value: float = 0.3
    # In-ear: the tips decide the seal, the shell how it sits: this share for the tips, the rest
    # for the shell.
    in_ear_tip_share: float = 0.6
    # In-ear: a shell may be this much (mm) wider than the concha before it presses ...
    shell_slack_mm: float = 2.0
    # ... and loses all value this much (mm) beyond that.
    shell_decay_mm: float = 8.0
    # Earbud: a bud whose width the catalog does not give is taken as this wide (mm), a common size.
    bud_default_width_mm: float = 16.0
    # Earbud: a bud may be this much (mm) wider than the concha, and is worthless this much beyond ...
    bud_slack_mm: float = 1.0
    bud_too_big_decay_mm: float = 5.0
    # ... and should be at most this much (mm) narrower, and is worthless this much beyond (loose).
    bud_gap_mm: float = 4.0
    bud_too_small_decay_mm: float = 6.0
    # Over-ear: the cup opening should clear the ear's length by this much (mm) ...
    cup_margin_mm: float = 2.0
    # ... and is worthless when this much (mm) shorter than that.
    cup_decay_mm: float = 10.0
    # Other kinds (on-ear, open, ear-hook): the photo says little about their fit, so the geometry
    # counts at this share of its weight, with a neutral value.
    other_geometry_weight_share: float = 0.5
    other_geometry_value: float = 0.75

    # --- Reasons shown ---------------------------------------------------------------------------
    # A component valued at least this is a reason for the product, below `reason_bad_below` one
    # against it; at most this many of each, strongest first, so the card stays short.
    reason_good_at: float = 0.8
    reason_bad_below: float = 0.5
    reasons_good_max: int = 3
    reasons_bad_max: int = 2

    # --- Tip size ----------------------------------------------------------------------------------
    # The shopper's current size agrees with the photo's when at most this many sizes apart ...
    tip_agree_steps: int = 1
    # ... and then the confidence rises by this, up to `tip_confidence_cap` (never certain) ...
    tip_agree_bonus: float = 0.1
    tip_confidence_cap: float = 0.95
    # ... otherwise it falls by this, down to `tip_confidence_floor` (the photo still says something).
    tip_disagree_penalty: float = 0.2
    tip_confidence_floor: float = 0.2
    # Without a usable photo, the shopper's own size is a fair start, not a certainty.
    tip_current_size_confidence: float = 0.6


WEIGHTS: Final = RankingWeights()
