"""Background work: thin wrappers that take ids, call one service, and own their retry policy.

Every task acks late and is rejected back to the queue when its worker dies (settings), so each
one is idempotent: running it twice has the effect of running it once. Task names are part of
the queue's messages and the beat schedule, so they stay `recommendations.tasks.*`.
"""

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from accounts.audit.services import AuditActor
from earfit.exceptions import DependencyUnavailable
from earfit.task_queue import task_coalesce_release, task_enqueue_coalesced_on_commit
from recommendations.fittings.selectors import fitting_get_open, fitting_ids_ranked_open
from recommendations.fittings.services import recommendation_generate
from recommendations.measuring.active import model_version_active
from recommendations.models import EarPhoto
from recommendations.photos.services.purge import ear_photo_purge_expired
from recommendations.remeasure.services import REMEASURE_JOB, ear_photo_remeasure, fitting_rerank_after_remeasure

logger = logging.getLogger(__name__)

# A dependency that is down (storage, database) is worth waiting for: exponential backoff from
# 30 s up to 10 min, with jitter so that many workers do not retry in step.
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": (DependencyUnavailable, DatabaseError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(**RETRY_POLICY)
def photos_purge_expired_task() -> dict[str, Any]:
    """The daily retention purge (Celery beat). Idempotent: a second run finds nothing to do."""
    result = ear_photo_purge_expired()
    logger.info("photo purge: %s", result.summary())
    return {"photos_purged": result.photos_purged, "orphans_removed": result.orphans_removed}


@shared_task(**RETRY_POLICY)
def fitting_rescore_task(fitting_id: str) -> None:
    """Rank a fitting again (after a catalog change). Idempotent: same inputs, same stored row."""
    fitting = fitting_get_open(fitting_id=fitting_id)
    if fitting is None:
        return  # erased or gone since it was queued: nothing to do
    recommendation_generate(fitting=fitting)


# Shoppers come back to their results within days; an older fitting is ranked again when it is read.
RERANK_RECENT = timedelta(days=14)
RERANK_PENDING_KEY = "earfit:rerank-pending"
# Who the re-ranks after a catalog change are audited as: the system, with the cause in the payload
# (one run answers every change in its window, so no single staff member caused it).
RERANK_ACTOR = "catalog_rerank"


@shared_task(**RETRY_POLICY)
def fittings_rescore_task() -> int:
    """After catalog changes: re-rank every open fitting ranked in the last two weeks, here.

    One task for a whole window of changes (RERANK_COALESCE_SECONDS), and no task per fitting: a
    staff member saving ten products queues one run, not ten times the open fittings. Returns how
    many fittings it ranked. Run again, it is harmless: unchanged inputs keep the stored ranking. A
    fitting that fails is logged and left for its shopper's next read, which ranks it on the spot.
    """
    task_coalesce_release(RERANK_PENDING_KEY)
    actor = AuditActor.system(RERANK_ACTOR)
    ranked = 0
    for fitting_id in fitting_ids_ranked_open(since=timezone.now() - RERANK_RECENT).iterator():
        fitting = fitting_get_open(fitting_id=fitting_id)
        if fitting is None:
            continue  # erased since the list was read
        try:
            recommendation_generate(fitting=fitting, actor=actor, cause="catalog_change")
        except (DependencyUnavailable, DatabaseError):
            raise  # the whole run is retried with backoff; finished fittings are then no-ops
        except Exception:
            logger.exception("re-rank of fitting %s failed; its next read ranks it", fitting_id)
            continue
        ranked += 1
    logger.info("catalog changed: %d fitting(s) re-ranked", ranked)
    return ranked


def fittings_rescore_after_catalog_change() -> None:
    """Subscribed to catalog changes: once the change commits, one re-rank run per window."""
    task_enqueue_coalesced_on_commit(
        fittings_rescore_task, key=RERANK_PENDING_KEY, window_seconds=settings.RERANK_COALESCE_SECONDS
    )


@shared_task(**RETRY_POLICY)
def ear_photo_remeasure_task(photo_id: str) -> str:
    """Re-measure one stored photo with the version active when the task runs, then rank its
    fitting again. Idempotent: a photo already measured by that version is left alone."""
    model = model_version_active()
    outcome = ear_photo_remeasure(photo_id=photo_id, model=model, actor=AuditActor.system(REMEASURE_JOB))
    if outcome in ("remeasured", "rejected"):
        photo_fitting = EarPhoto.objects.filter(pk=photo_id).values_list("fitting_id", flat=True).first()
        if photo_fitting is not None:
            fitting_rerank_after_remeasure(fitting_id=photo_fitting)
    logger.info("photo %s re-measured with %s: %s", photo_id, model.label, outcome)
    return f"{model.label}: {outcome}"
