"""Background work: thin wrappers that take ids, call one service, and own their retry policy.

Every task acks late and is rejected back to the queue when its worker dies (settings), so each
one is idempotent: running it twice has the effect of running it once. Task names are part of
the queue's messages and the beat schedule, so they stay `recommendations.tasks.*`.
"""

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from accounts.audit.services import AuditActor
from earfit.exceptions import DependencyUnavailable
from earfit.task_queue import task_enqueue_on_commit
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


@shared_task(**RETRY_POLICY)
def fittings_rescore_task() -> int:
    """After a catalog change: one re-rank task per open fitting ranked in the last two weeks.

    Returns how many it queued. Sent again after a crash, it queues them again, which is harmless:
    a re-rank with unchanged inputs returns the stored recommendation. A shopper who reads results
    before their task ran (or whose fitting is older) gets them ranked on the spot, so this keeps
    that read fast, not correct.
    """
    queued = 0
    for fitting_id in fitting_ids_ranked_open(since=timezone.now() - RERANK_RECENT).iterator():
        fitting_rescore_task.delay(str(fitting_id))
        queued += 1
    logger.info("catalog changed: %d fitting(s) queued for a re-rank", queued)
    return queued


def fittings_rescore_after_catalog_change() -> None:
    """Subscribed to catalog changes: once the change commits, re-rank on a worker (optional work)."""
    task_enqueue_on_commit(fittings_rescore_task)


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
