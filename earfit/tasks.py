"""Project-wide background work: the queue-depth line that the queue alarm reads."""

import logging

from celery import shared_task

from earfit.celery import app
from earfit.task_queue import celery_queue_depth

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def celery_queue_depth_task(queue: str | None = None) -> int:
    """Log how many messages wait in the queue, once a minute from beat.

    `{"event": "celery.queue_depth", "queue": "celery", "depth": N}` is what CloudWatch's metric
    filter turns into the queue-depth metric. The task expires before the next one is due, so a
    backlog does not pile up old measurements: when workers take no work, no line arrives, and
    the alarm treats the missing data as breaching.
    """
    name = queue or app.conf.task_default_queue
    depth = celery_queue_depth(queue=name)
    logger.info(
        "%d message(s) waiting in %s", depth, name, extra={"event": "celery.queue_depth", "queue": name, "depth": depth}
    )
    return depth
