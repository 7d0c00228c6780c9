"""Reads of the catalog."""

from typing import Any

from django.db.models import Max, QuerySet

from recommendations.models import Product
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
    )
