"""`rank_products`: preferences, products and (optionally) ear geometry in, a ranking out.

Each product's score is the weighted mean of the components in `components.py`, scaled down when
a must-have is missing; the reasons are the plain-word account of its strongest components.
"""

from collections.abc import Iterable

from recommendations.ranking.components import (
    Component,
    anc_component,
    budget_component,
    budget_factor,
    form_component,
    geometry_component,
    glasses_component,
    problems_component,
    uses_component,
    wireless_component,
)
from recommendations.ranking.tips import product_tip, tip_suggest
from recommendations.ranking.types import (
    Basis,
    EarGeometry,
    Preferences,
    ProductFit,
    RankedItem,
    Ranking,
    TipSuggestion,
)
from recommendations.ranking.weights import WEIGHTS, RankingWeights

RANKING_VERSION = "2026.12.1"


def _components(
    preferences: Preferences, product: ProductFit, ear: EarGeometry | None, tip: TipSuggestion, w: RankingWeights
) -> list[Component]:
    return [
        form_component(preferences, product, w),
        uses_component(preferences, product, w),
        anc_component(preferences, product, w),
        wireless_component(preferences, product, w),
        budget_component(preferences, product, w),
        glasses_component(preferences, product, w),
        problems_component(preferences, product, w),
        geometry_component(ear, tip, product, w),
    ]


def _score_product(
    preferences: Preferences, product: ProductFit, ear: EarGeometry | None, tip: TipSuggestion, w: RankingWeights
) -> tuple[float, tuple[str, ...]]:
    components = _components(preferences, product, ear, tip, w)
    total_weight = sum(c.weight for c in components)
    score = sum(c.weight * c.value for c in components) / total_weight if total_weight else 0.0
    if preferences.noise_cancelling == "must" and not product.anc:
        score *= w.anc_missing_must_factor
    score *= budget_factor(preferences, product, w)
    # The price against the budget is always said, in its own words, beside the strongest reasons.
    budget = next(c for c in components if c.name == "budget")
    ordered = sorted(
        (c for c in components if c.weight > 0 and c is not budget), key=lambda c: c.weight * c.value, reverse=True
    )
    good = [c.good for c in ordered if c.value >= w.reason_good_at and c.good][: w.reasons_good_max]
    bad = [c.bad for c in reversed(ordered) if c.value < w.reason_bad_below and c.bad][: w.reasons_bad_max]
    reasons = [_sentence(text) for text in [*good, budget.good] if text]
    reasons += [_sentence(f"but {text}") for text in [budget.bad, *bad] if text]
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
    weights: RankingWeights = WEIGHTS,
) -> Ranking:
    """Rank products best first (ties: cheaper first, then by id, so the order is stable)."""
    usable_ear = ear if ear is not None and ear.scale == "mm" else None
    tip = tip_suggest(preferences=preferences, measured=measured_tip, weights=weights)
    scored: list[tuple[float, ProductFit, tuple[str, ...]]] = []
    for product in products:
        score, reasons = _score_product(preferences, product, usable_ear, tip, weights)
        scored.append((score, product, reasons))
    scored.sort(key=lambda row: (-row[0], row[1].price, row[1].id))
    items = tuple(
        RankedItem(
            product_id=product.id,
            rank=index + 1,
            score=score,
            tip_size=product_tip(tip=tip, product=product),
            reasons=reasons,
        )
        for index, (score, product, reasons) in enumerate(scored[:limit])
    )
    basis: Basis = "measurements" if usable_ear else "questionnaire"
    return Ranking(items=items, tip=tip, basis=basis, version=RANKING_VERSION)
