"""Reads for the catalog, the questionnaire and fittings."""

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from recommendations.models import (
    EarPhoto,
    Fitting,
    FittingStatus,
    PhotoScale,
    Product,
    Questionnaire,
    Recommendation,
)
from recommendations.ranking import ProductFit


def token_hash(token: str) -> str:
    """Access tokens carry 256 random bits, so a plain SHA-256 is a safe one-way store."""
    return hashlib.sha256(token.encode()).hexdigest()


def questionnaire_get_active() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(active=True).first()
    if questionnaire is None:
        raise Http404("No questionnaire is active.")
    return questionnaire


def fitting_get_for_owner(
    *, fitting_id: uuid.UUID | str, token: str | None, user: Any = None, include_erased: bool = False
) -> Fitting:
    """The fitting, for the client that created it; 404 for anyone else (never 403, so ids leak nothing)."""
    try:
        fitting = Fitting.objects.select_related("questionnaire").get(pk=fitting_id)
    except (Fitting.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    by_token = token is not None and hmac.compare_digest(fitting.token_hash, token_hash(token))
    by_user = (
        user is not None
        and getattr(user, "is_authenticated", False)
        and fitting.user_id is not None
        and fitting.user_id == user.pk
    )
    if not (by_token or by_user):
        raise Http404
    if fitting.status == FittingStatus.ERASED and not include_erased:
        raise Http404
    return fitting


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


def product_fit_from_model(product: Product) -> ProductFit:
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


def recommendation_get_latest(*, fitting: Fitting, inputs_digest: str) -> Recommendation | None:
    return (
        Recommendation.objects.filter(fitting=fitting, inputs_digest=inputs_digest)
        .prefetch_related("items__product")
        .order_by("-created_at")
        .first()
    )


def ear_photo_best_for_fitting(*, fitting: Fitting) -> EarPhoto | None:
    """The photo to rank with: measured in mm if any is, then the most confident, then the newest."""
    photos = EarPhoto.objects.filter(fitting=fitting, purged_at__isnull=True).select_related("model_version")
    return min(
        photos,
        key=lambda p: (p.scale != PhotoScale.MM, -p.confidence, -p.created_at.timestamp()),
        default=None,
    )


def fitting_ids_ranked_open(*, since: datetime) -> QuerySet[Fitting, Any]:
    """Ids of the open fittings ranked at or after `since`: what a catalog change re-ranks."""
    return (
        Fitting.objects.filter(status=FittingStatus.OPEN, recommendations__created_at__gte=since)
        .values_list("pk", flat=True)
        .distinct()
    )
