"""Ranking: pure functions from preferences, products and (optionally) ear geometry to a ranking.

No Django here (an import contract keeps it so), so the rules are tested directly and fast:
`rank.py` ranks, `components.py` scores each concern, `tips.py` picks the ear-tip size, and
`weights.py` names every number they use.
"""

from recommendations.ranking.rank import RANKING_VERSION, rank_products
from recommendations.ranking.tips import product_tip_note, tip_suggest
from recommendations.ranking.types import EarGeometry, Preferences, ProductFit, RankedItem, Ranking, TipSuggestion
from recommendations.ranking.weights import WEIGHTS, RankingWeights

__all__ = [
    "RANKING_VERSION",
    "WEIGHTS",
    "EarGeometry",
    "Preferences",
    "ProductFit",
    "RankedItem",
    "Ranking",
    "RankingWeights",
    "TipSuggestion",
    "product_tip_note",
    "rank_products",
    "tip_suggest",
]
