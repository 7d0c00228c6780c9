"""Reads for fittings: the owner's fitting, its stored recommendation, what a catalog change re-ranks."""

import hashlib
import hmac
import uuid
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from recommendations.models import Fitting, FittingStatus, Recommendation


def token_hash(token: str) -> str:
    """Access tokens carry 256 random bits, so a plain SHA-256 is a safe one-way store."""
    return hashlib.sha256(token.encode()).hexdigest()


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


def fitting_get_open(*, fitting_id: uuid.UUID | str) -> Fitting | None:
    """The fitting if it is still open (not erased, not gone): what a queued re-rank works on."""
    return Fitting.objects.filter(pk=fitting_id, status=FittingStatus.OPEN).first()


def recommendation_get_latest(*, fitting: Fitting, inputs_digest: str) -> Recommendation | None:
    return (
        Recommendation.objects.filter(fitting=fitting, inputs_digest=inputs_digest)
        .prefetch_related("items__product")
        .order_by("-created_at")
        .first()
    )


# What a recommendation brought over from the legacy system is marked with (its ranking version).
LEGACY_RANKING_VERSION = "legacy"


def fitting_ids_ranked_open(*, since: datetime) -> QuerySet[Fitting, Any]:
    """Ids of the open fittings ranked at or after `since`: what a catalog change re-ranks.

    Recommendations imported from the legacy system do not count: no shopper will read those
    fittings again, so ranking them anew would only add recommendations nobody was shown.
    """
    recent = Recommendation.objects.filter(created_at__gte=since).exclude(ranking_version=LEGACY_RANKING_VERSION)
    return (
        Fitting.objects.filter(status=FittingStatus.OPEN, recommendations__in=recent)
        .values_list("pk", flat=True)
        .distinct()
    )
