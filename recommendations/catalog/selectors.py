"""Reads of the catalog."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from recommendations.models import FitFeedback, Product, Recommendation, RecommendationItem
from recommendations.ranking import ProductFit
from recommendations.vocabulary import TIP_SIZES, tip_sizes_problem

logger = logging.getLogger(__name__)


def product_list_active(*, filters: dict[str, Any] | None = None) -> QuerySet[Product]:
    queryset = Product.objects.filter(active=True)
    for field, value in (filters or {}).items():
        if value is None:
            continue
        if field == "max_price":
            queryset = queryset.filter(price__lte=value)
        elif field == "search":
            queryset = queryset.filter(brand__icontains=value) | queryset.filter(model__icontains=value)
        else:
            queryset = queryset.filter(**{field: value})
    return queryset.order_by("brand", "model")


def recommendation_list_first_of_fitting() -> QuerySet[Recommendation]:
    """Each fitting's first recommendation: what the shopper was first shown. The later ones
    (after a new photo, or ranked again after a catalog change) are re-ranks, and statistics that
    counted them would count one shopper many times."""
    earlier = Recommendation.objects.filter(fitting=OuterRef("fitting")).filter(
        Q(created_at__lt=OuterRef("created_at")) | Q(created_at=OuterRef("created_at"), pk__lt=OuterRef("pk"))
    )
    return Recommendation.objects.filter(~Exists(earlier))


def product_annotate_statistics(*, products: QuerySet[Product]) -> QuerySet[Product]:
    """Each product with how often it was recommended (`_recommended`) and ranked first (`_top`)
    in fittings' first recommendations, and the share of its fit feedback that said "right"
    (`_right`, None without feedback)."""
    # Subqueries, not joins: joining items and feedback at once would multiply the counts.
    items = (
        RecommendationItem.objects.filter(
            product=OuterRef("pk"), recommendation__in=recommendation_list_first_of_fitting()
        )
        .order_by()
        .values("product")
    )
    feedback = FitFeedback.objects.filter(product=OuterRef("pk")).order_by().values("product")
    right = Avg(Case(When(fit="right", then=1.0), default=0.0, output_field=FloatField()))
    annotated: QuerySet[Product] = products.annotate(
        _recommended=Coalesce(Subquery(items.annotate(n=Count("pk")).values("n")), 0),
        _top=Coalesce(Subquery(items.filter(rank=1).annotate(n=Count("pk")).values("n")), 0),
        _right=Subquery(feedback.annotate(share=right).values("share")),
    )
    return annotated


@dataclass(frozen=True)
class FitOutcomes:
    too_loose: int = 0
    right: int = 0
    too_tight: int = 0

    @property
    def total(self) -> int:
        return self.too_loose + self.right + self.too_tight


@dataclass(frozen=True)
class ProductStatistics:
    product_id: int
    name: str
    active: bool
    recommended: int
    top_pick: int
    fit: FitOutcomes
    comfort: float | None


@dataclass(frozen=True)
class TipSizeStatistics:
    tip_size: str  # "" for products without ear tips
    fit: FitOutcomes


@dataclass(frozen=True)
class CatalogStatistics:
    since: datetime
    until: datetime
    fittings: int
    products: list[ProductStatistics]
    tip_sizes: list[TipSizeStatistics]


def _fit_counts() -> dict[str, Any]:
    return {outcome: Count("pk", filter=Q(fit=outcome)) for outcome in ("too_loose", "right", "too_tight")}


def catalog_statistics(*, since: datetime, until: datetime) -> CatalogStatistics:
    """What catalog managers read for [since, until): per product, how often it was recommended
    and ranked first in fittings' first recommendations made then, and the fit feedback given
    then; and per tip size the shopper was told to start with, how the fit turned out. Four
    queries, whatever the catalog's size."""
    first = recommendation_list_first_of_fitting().filter(created_at__gte=since, created_at__lt=until)
    shown: dict[int, dict[str, Any]] = {
        row["product"]: dict(row)
        for row in RecommendationItem.objects.filter(recommendation__in=first)
        .values("product")
        .annotate(recommended=Count("pk"), top=Count("pk", filter=Q(rank=1)))
        .order_by()
    }
    feedback = FitFeedback.objects.filter(created_at__gte=since, created_at__lt=until)
    outcomes: dict[int, dict[str, Any]] = {
        row["product"]: dict(row)
        for row in feedback.values("product").annotate(comfort=Avg("comfort"), **_fit_counts()).order_by()
    }
    # The tip size this fitting was told to start with on this product, in its first ranking.
    told = RecommendationItem.objects.filter(
        recommendation__fitting=OuterRef("fitting"), product=OuterRef("product")
    ).order_by("recommendation__created_at", "recommendation_id")
    tips = (
        feedback.annotate(told=Coalesce(Subquery(told.values("tip_size")[:1]), Value("")))
        .values("told")
        .annotate(**_fit_counts())
        .order_by()
    )
    names = Product.objects.in_bulk(shown.keys() | outcomes.keys())

    def fit(row: dict[str, Any] | None) -> FitOutcomes:
        return FitOutcomes(**{k: row[k] for k in ("too_loose", "right", "too_tight")}) if row else FitOutcomes()

    products = [
        ProductStatistics(
            product_id=pk,
            name=str(product),
            active=product.active,
            recommended=shown.get(pk, {}).get("recommended", 0),
            top_pick=shown.get(pk, {}).get("top", 0),
            fit=fit(outcomes.get(pk)),
            comfort=outcomes[pk]["comfort"] if pk in outcomes else None,
        )
        for pk, product in names.items()
    ]
    products.sort(key=lambda p: (-p.recommended, -p.top_pick, -p.fit.total, p.name))
    order: dict[str, int] = {size: index for index, size in enumerate(TIP_SIZES)}
    tip_sizes = sorted(
        (TipSizeStatistics(tip_size=row["told"], fit=fit(dict(row))) for row in tips),
        key=lambda t: order.get(t.tip_size, len(order)),  # "" (no ear tips) last
    )
    return CatalogStatistics(since=since, until=until, fittings=first.count(), products=products, tip_sizes=tip_sizes)


def catalog_version() -> str:
    """Changes whenever any product is saved, activated or retired (the latest `updated_at`)."""
    return str(Product.objects.aggregate(changed=Max("updated_at"))["changed"])


def product_fit_from_model(product: Product) -> ProductFit:
    """A product as the ranking reads it; ValueError for data it cannot read."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    problem = tip_sizes_problem(product.tip_sizes)
    if problem is not None:
        raise ValueError(f"tip sizes {product.tip_sizes!r}: {problem}")

    return ProductFit(
        id=product.pk,
        name=str(product),
        form_factor=product.form_factor,
        tip_sizes=tuple(product.tip_sizes or ()),
        weight_g=float(product.weight_g),
        price=float(product.price),
        anc=product.anc,
        wireless=product.wireless,
        water_resistance=product.water_resistance,
        microphone=product.microphone,
        shell_length_mm=number(product.shell_length_mm),
        shell_width_mm=number(product.shell_width_mm),
        cup_inner_height_mm=number(product.cup_inner_height_mm),
        cup_inner_width_mm=number(product.cup_inner_width_mm),
        clamp_force_n=number(product.clamp_force_n),
        currency=product.currency,
    )


def product_fits_readable(products: Iterable[Product]) -> list[ProductFit]:
    """The products as the ranking reads them, leaving out (and logging) any it cannot read.

    The database's constraints keep such data out; should one get past them, one product is
    missing from an answer instead of every recommendation and re-rank failing.
    """
    fits = []
    for product in products:
        try:
            fits.append(product_fit_from_model(product))
        except (TypeError, ValueError, ArithmeticError) as exc:
            logger.error("product %s left out of the ranking: %s", product.pk, exc)
    return fits
