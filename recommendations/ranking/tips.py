"""The ear-tip size to start with: an estimate, since a photo cannot see the ear canal.

It comes from the intertragal notch width (a proxy for the canal entrance, measured by the photo)
and the shopper's current size; when neither is good enough the recommender abstains and says to
start with the medium tip that most products ship fitted.
"""

from recommendations.ranking.types import Preferences, ProductFit, TipSuggestion
from recommendations.ranking.weights import WEIGHTS, RankingWeights
from recommendations.vocabulary import TIP_SIZES

DEFAULT_TIP = "M"
_START_MEDIUM = (
    f"Start with the medium tips ({DEFAULT_TIP}) most earphones come fitted with, and go smaller if they "
    "press or larger if they slip."
)
_ABSTAIN_REASON = f"We cannot tell your ear-tip size without a measured photo. {_START_MEDIUM}"


def tip_suggest(
    *, preferences: Preferences, measured: TipSuggestion | None, weights: RankingWeights = WEIGHTS
) -> TipSuggestion:
    """Combine the photo's tip estimate with the shopper's current size.

    A confident photo estimate wins, more confidently when the shopper's size is close to it.
    Without one, the shopper's current size; otherwise abstain, with the photo's reason if any.
    """
    current = preferences.current_tip_size
    if measured is not None and not measured.abstained and measured.size in TIP_SIZES:
        confidence = measured.confidence
        reason = measured.reason
        if current is not None:
            gap = abs(TIP_SIZES.index(current) - TIP_SIZES.index(measured.size))
            if gap <= weights.tip_agree_steps:
                confidence = min(weights.tip_confidence_cap, confidence + weights.tip_agree_bonus)
                reason += f" Your current size ({current}) agrees."
            else:
                confidence = max(weights.tip_confidence_floor, confidence - weights.tip_disagree_penalty)
                reason += f" Your current size is {current}; if {measured.size} feels wrong, go back to it."
        return TipSuggestion(measured.size, round(confidence, 2), False, reason)
    if current is not None:
        return TipSuggestion(
            current, weights.tip_current_size_confidence, False, f"You said size {current} fits you now."
        )
    if measured is not None:
        # The photo's own account of why it abstained, and the size every product then starts from.
        return TipSuggestion(None, measured.confidence, True, f"{measured.reason} {_START_MEDIUM}")
    return TipSuggestion(None, 0.0, True, _ABSTAIN_REASON)


def product_tip(*, tip: TipSuggestion, product: ProductFit) -> str | None:
    """The size to fit from the product's box: the suggested one, else the nearest it has."""
    if not product.tip_sizes:
        return None
    wanted = tip.size or DEFAULT_TIP
    if wanted in product.tip_sizes:
        return wanted
    index = TIP_SIZES.index(wanted)
    return min(product.tip_sizes, key=lambda size: abs(TIP_SIZES.index(size) - index) if size in TIP_SIZES else 9)


def product_tip_note(*, suggested: str | None, chosen: str | None) -> str:
    """Why a product's tip size differs from the one recommended for the shopper ("" when it does not).

    The page then tells one story: the size recommended at the top, and on a product either the
    same size or the reason for another.
    """
    if chosen is None or chosen == suggested:
        return ""
    if suggested is None:
        if chosen == DEFAULT_TIP:
            return "The medium size, since yours could not be estimated."
        return "The size nearest to medium in this box, since yours could not be estimated."
    return f"Your size, {suggested}, is not in the box; {chosen} is the nearest."
