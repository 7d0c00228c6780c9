"""Reads of the catalog."""

from typing import Any

from django.db.models import Avg, Case, Count, FloatField, Max, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from recommendations.models import FitFeedback, Product, RecommendationItem
from recommendations.ranking import ProductFit


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


def product_annotate_statistics(*, products: QuerySet[Product]) -> QuerySet[Product]:
    """Each product with how often it was recommended (`_recommended`), how often first (`_top`),
    and the share of its fit feedback that said "right" (`_right`, None without feedback)."""
    # Subqueries, not joins: joining items and feedback at once would multiply the counts.
    items = RecommendationItem.objects.filter(product=OuterRef("pk")).order_by().values("product")
    feedback = FitFeedback.objects.filter(product=OuterRef("pk")).order_by().values("product")
    right = Avg(Case(When(fit="right", then=1.0), default=0.0, output_field=FloatField()))
    annotated: QuerySet[Product] = products.annotate(
        _recommended=Coalesce(Subquery(items.annotate(n=Count("pk")).values("n")), 0),
        _top=Coalesce(Subquery(items.filter(rank=1).annotate(n=Count("pk")).values("n")), 0),
        _right=Subquery(feedback.annotate(share=right).values("share")),
    )
    return annotated


def catalog_version() -> str:
    """Changes whenever any product is saved, activated or retired (the latest `updated_at`)."""
    return str(Product.objects.aggregate(changed=Max("updated_at"))["changed"])


def product_fit_from_model(product: Product) -> ProductFit:
    """A product as the ranking reads it."""

    def number(value: Any) -> float | None:
        return None if value is None else float(value)

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
