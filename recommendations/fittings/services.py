"""Writes for fittings: start one, rank it, record feedback, erase it. Each in one transaction."""

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.audit.services import AuditAction, AuditActor, audit_event_record
from earfit.exceptions import ApplicationError
from recommendations.catalog.selectors import catalog_version, product_fits_readable, product_list_active
from recommendations.fittings.selectors import recommendation_get_latest, token_hash
from recommendations.models import (
    Consent,
    EarPhoto,
    FitFeedback,
    Fitting,
    FittingStatus,
    Product,
    Questionnaire,
    Recommendation,
    RecommendationBasis,
    RecommendationItem,
)
from recommendations.photos.selectors import ear_photo_best_for_fitting, ear_photo_ranking_inputs
from recommendations.photos.storage import photo_objects_delete_on_commit
from recommendations.questionnaire.answers import answers_validate
from recommendations.questionnaire.content import CONSENT_PURPOSE, retention_statement
from recommendations.ranking import RANKING_VERSION, Preferences, rank_products


def _field_error(message: str, *, code: str, field: str, detail: str) -> ApplicationError:
    """A 400 about one field of the request, in the shape the serializers' errors have."""
    return ApplicationError(message, code=code, extra={"fields": {field: [detail]}})


@dataclass(frozen=True)
class FittingCreated:
    fitting: Fitting
    access_token: str


@transaction.atomic
def fitting_create(
    *,
    questionnaire_version: int,
    answers: Any,
    consent_version: str,
    consent_accepted: bool,
    user: Any = None,
) -> FittingCreated:
    """Start a fitting. Consent must be explicit and for the current consent text.

    Returns the only copy of the access token; the database keeps its hash.
    """
    if consent_accepted is not True:
        raise _field_error(
            "Please read and accept the consent before we can measure your ear.",
            code="consent_required",
            field="consent",
            detail="Consent must be explicitly accepted.",
        )
    if consent_version != settings.CONSENT_TEXT_VERSION:
        raise _field_error(
            "The consent text has changed. Please read the current version and accept it.",
            code="consent_outdated",
            field="consent",
            detail=f"The current consent version is {settings.CONSENT_TEXT_VERSION}.",
        )
    questionnaire = Questionnaire.objects.filter(version=questionnaire_version).first()
    if questionnaire is None:
        raise _field_error(
            "This questionnaire version does not exist. Please reload the questionnaire.",
            code="unknown_questionnaire_version",
            field="questionnaire_version",
            detail="Unknown version.",
        )
    cleaned, errors = answers_validate(questionnaire.questions, answers)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(
            f"Some answers need another look: {first}",
            code="invalid_answers",
            extra={"fields": {f"answers.{key}": messages for key, messages in errors.items()}},
        )
    access_token = secrets.token_urlsafe(32)
    fitting = Fitting.objects.create(
        questionnaire=questionnaire,
        answers=cleaned,
        token_hash=token_hash(access_token),
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
    )
    Consent.objects.create(
        fitting=fitting,
        text_version=consent_version,
        purpose=CONSENT_PURPOSE,
        retention_statement=retention_statement(settings.PHOTO_RETENTION_DAYS),
    )
    audit_event_record(
        actor=AuditActor.for_fitting(fitting.pk),
        action=AuditAction.FITTING_CREATED,
        object_type="fitting",
        object_id=str(fitting.pk),
        payload={"questionnaire_version": questionnaire.version, "consent_version": consent_version},
    )
    return FittingCreated(fitting=fitting, access_token=access_token)


def _ranking_inputs(fitting: Fitting) -> tuple[EarPhoto | None, str]:
    """The best usable photo and the digest of everything a ranking is made from."""
    photo = ear_photo_best_for_fitting(fitting=fitting)
    material = json.dumps(
        {
            "answers": fitting.answers,
            "ranking": RANKING_VERSION,
            "catalog": catalog_version(),
            # The photo and what it says now: re-measured by another model, it ranks anew.
            "photo": str(photo.pk) if photo else None,
            "photo_model": photo.model_version_id if photo else None,
            "photo_measurements": photo.measurements if photo else None,
        },
        sort_keys=True,
        default=str,
    )
    return photo, hashlib.sha256(material.encode()).hexdigest()


def recommendation_generate(
    *, fitting: Fitting, actor: AuditActor | None = None, cause: str | None = None
) -> Recommendation:
    """Rank the active catalog for this fitting and store the result.

    The best usable photo (measured in mm, most confident) adds fit geometry and the measured tip
    size; without one the ranking uses the questionnaire alone and says so.

    The same inputs (answers, catalog state, ranking version) give back the stored recommendation,
    so reading a recommendation twice does not write twice, nor do two reads at once: the first to
    lock the fitting ranks, the other then finds its result; the unique (fitting, inputs) constraint
    holds where row locks do not (SQLite), and losing that race returns the winner's. An erasure
    that commits first leaves nothing to rank (404). A ranking the shopper's read causes is audited
    as the shopper; one a background job causes, as `actor` with its `cause`.
    """
    photo, digest = _ranking_inputs(fitting)
    return _recommendation_for(fitting=fitting, photo=photo, digest=digest, actor=actor, cause=cause)


# How long a shopper's rendered recommendation is kept in the cache for the next read with the
# same inputs. Erasure deletes it at once; a read racing an erasure can put it back, unreadable
# (the erased fitting answers 404 before the cache is looked at), until this runs out.
RECOMMENDATION_ANSWER_SECONDS = 300


def recommendation_answer_cache_key(fitting_id: Any) -> str:
    return f"recommendation-answer:{fitting_id}"


def recommendation_answer(*, fitting: Fitting, render: Callable[[Recommendation], Any]) -> Any:
    """The shopper's recommendation as `render` writes it (plain JSON data), for the API's read.

    The inputs are read every time (the best photo, the catalog's version: two queries); when
    they are what the cached answer was made from, that answer is sent without reading the
    recommendation, its items and their products again or rendering them. Otherwise as
    `recommendation_generate`, and the answer is cached for the next read.
    """
    photo, digest = _ranking_inputs(fitting)
    key = recommendation_answer_cache_key(fitting.pk)
    cached = cache.get(key)
    if isinstance(cached, dict) and cached.get("digest") == digest:
        return cached["answer"]
    answer = render(_recommendation_for(fitting=fitting, photo=photo, digest=digest))
    cache.set(key, {"digest": digest, "answer": answer}, timeout=RECOMMENDATION_ANSWER_SECONDS)
    return answer


def _recommendation_for(
    *,
    fitting: Fitting,
    photo: EarPhoto | None,
    digest: str,
    actor: AuditActor | None = None,
    cause: str | None = None,
) -> Recommendation:
    """The stored recommendation for these inputs, ranked and stored first if there is none. The
    common case, a read of what is already ranked, opens no transaction and does not load the
    catalog."""
    existing = recommendation_get_latest(fitting=fitting, inputs_digest=digest)
    if existing is not None:
        return existing
    with transaction.atomic():
        _fitting_lock_open(fitting)
        existing = recommendation_get_latest(fitting=fitting, inputs_digest=digest)
        if existing is not None:
            return existing
        # Read after the catalog's version: a product saved in between moves the version, and
        # the next read ranks again.
        products = list(product_list_active())
        try:
            with transaction.atomic():
                recommendation = _recommendation_store(fitting=fitting, products=products, photo=photo, digest=digest)
        except IntegrityError:
            winner = recommendation_get_latest(fitting=fitting, inputs_digest=digest)
            if winner is None:
                raise
            return winner
        audit_event_record(
            actor=actor or AuditActor.for_fitting(fitting.pk),
            action=AuditAction.RECOMMENDATION_GENERATED,
            object_type="recommendation",
            object_id=str(recommendation.pk),
            payload={
                "fitting_id": str(fitting.pk),
                "basis": recommendation.basis,
                "ranking_version": recommendation.ranking_version,
                "items": recommendation.items.count(),
                **({"cause": cause} if cause else {}),
            },
        )
        return recommendation


def _fitting_lock_open(fitting: Fitting) -> None:
    """Lock the fitting's row until the transaction ends (erasure takes the same lock); 404 if it
    was erased meanwhile."""
    if not Fitting.objects.select_for_update().filter(pk=fitting.pk).exclude(status=FittingStatus.ERASED).exists():
        raise Http404


def _recommendation_store(
    *, fitting: Fitting, products: list[Product], photo: EarPhoto | None, digest: str
) -> Recommendation:
    ear, measured_tip = ear_photo_ranking_inputs(photo=photo) if photo is not None else (None, None)
    ranking = rank_products(
        preferences=Preferences.from_answers(fitting.answers),
        products=product_fits_readable(products),
        ear=ear,
        measured_tip=measured_tip,
    )
    recommendation = Recommendation.objects.create(
        fitting=fitting,
        basis=RecommendationBasis(ranking.basis),
        ranking_version=ranking.version,
        tip_size=ranking.tip.size or "",
        tip_size_confidence=ranking.tip.confidence,
        tip_size_reason=ranking.tip.reason,
        inputs_digest=digest,
        photo=photo,
        model_version=str(photo.model_version) if photo is not None else "",
    )
    RecommendationItem.objects.bulk_create(
        RecommendationItem(
            recommendation=recommendation,
            product_id=item.product_id,
            rank=item.rank,
            score=item.score,
            tip_size=item.tip_size or "",
            reasons=list(item.reasons),
        )
        for item in ranking.items
    )
    return recommendation


@transaction.atomic
def fit_feedback_record(*, fitting: Fitting, product_id: int, fit: str, comfort: int, comment: str = "") -> FitFeedback:
    """One feedback per product per fitting: sending it again (a retry, a second tap, a change of
    mind) replaces it, so concurrent identical calls leave one row. Never after an erasure."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise _field_error(
            "That product is not in the catalog.", code="unknown_product", field="product_id", detail="Unknown product."
        )
    _fitting_lock_open(fitting)
    feedback, _ = FitFeedback.objects.update_or_create(
        fitting=fitting, product=product, defaults={"fit": fit, "comfort": comfort, "comment": comment}
    )
    return feedback


@transaction.atomic
def fitting_erase(*, fitting: Fitting, actor: AuditActor | None = None, request_reference: str = "") -> Fitting:
    """Erase a fitting's personal data now: photos (objects and rows), answers, recommendations, feedback.

    The fitting row stays, emptied, so a repeated erase answers 204 again and the fact that an
    erasure happened (not its data) remains. The consent record (text version, purpose, time)
    stays as evidence of the basis the data was held on; it holds nothing about the person.
    Idempotent. ``actor`` is the shopper holding the fitting unless an operator erases it on a
    request (``manage.py erase_fitting``), whose reference (a ticket number) the event records.
    """
    locked = Fitting.objects.select_for_update().get(pk=fitting.pk)
    if locked.status == FittingStatus.ERASED:
        return locked
    photo_keys = list(locked.photos.values_list("storage_key", flat=True))
    locked.recommendations.all().delete()
    transaction.on_commit(lambda: cache.delete(recommendation_answer_cache_key(locked.pk)))
    locked.photos.all().delete()
    locked.feedback.all().delete()
    photo_objects_delete_on_commit(photo_keys)
    locked.answers = {}
    locked.user = None
    locked.status = FittingStatus.ERASED
    locked.erased_at = timezone.now()
    locked.save(update_fields=["answers", "user", "status", "erased_at"])
    # That an erasure happened, and nothing of what was erased.
    audit_event_record(
        actor=actor or AuditActor.for_fitting(locked.pk),
        action=AuditAction.FITTING_ERASED,
        object_type="fitting",
        object_id=str(locked.pk),
        payload={"request": request_reference} if request_reference else None,
    )
    return locked
