"""Sending work to Celery from a request: after the commit, and with a clear answer when the broker is down.

Two kinds of work:
- required: the change makes no sense without it. The broker is checked inside the transaction,
  before anything commits, so with the broker down the request is refused cleanly (503,
  Retry-After, nothing written) instead of committing work that never happens.
- optional (the default): the change stands on its own and the work can be redone later (a
  re-score, an overlay). With the broker down the request is answered and the miss is logged.

Either way the message is sent only after the commit (`transaction.on_commit`), so a worker never
looks for a row that is not there yet, and the task gets ids, never objects.
"""

import logging
from typing import Any

from celery import Task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from earfit.celery import app
from earfit.exceptions import DependencyUnavailable

logger = logging.getLogger(__name__)


def broker_ping() -> None:
    """Raises DependencyUnavailable("broker") when the broker does not answer. Eager mode has none."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
    except Exception as exc:
        logger.warning("broker unavailable: %s", exc)
        raise DependencyUnavailable("broker") from exc


def celery_queue_depth(*, queue: str) -> int:
    """Messages waiting in `queue` on the broker (not those a worker holds). Raises when it is down."""
    with app.connection_for_read() as conn:
        return int(conn.default_channel.queue_declare(queue=queue, passive=True).message_count)


def task_enqueue_on_commit(task: Task, *args: Any, required: bool = False) -> None:
    """Send `task(*args)` once the current transaction commits (at once outside one)."""
    if required:
        broker_ping()

    def _send() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise  # eager: the task itself failed; let it show
            # The commit stands; the work is redone by its own sweep (the daily purge, a re-score).
            logger.exception("could not enqueue %s%r; the broker is down", task.name, args)

    transaction.on_commit(_send)


# How long a coalescing key outlives its window: room for a busy queue to reach the task. Should
# the key expire first, the next change sends another task: at most one per window + this.
COALESCE_GRACE_SECONDS = 300


def task_enqueue_coalesced_on_commit(task: Task, *, key: str, window_seconds: int) -> None:
    """Send `task()` once per window, however many changes ask for it (optional work).

    The first change to commit in a window sends the task with a countdown of the window and
    marks it pending in the shared cache (`key`); later changes find it pending and send nothing.
    The task calls `task_coalesce_release(key)` first, so a change made while it runs sends the
    next one. Without the cache, each change sends its own task, as before: more work, none lost.
    """

    def _send() -> None:
        try:
            first = cache.add(key, "pending", timeout=window_seconds + COALESCE_GRACE_SECONDS)
        except Exception:
            logger.exception("cache unavailable: %s sent without coalescing", task.name)
            first = True
        if not first:
            logger.info("%s already pending: this change joins it", task.name)
            return
        try:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                task.apply(throw=True)  # inline, at once: eager mode has no countdown and no broker
            else:
                task.apply_async(countdown=window_seconds, retry=False)
        except Exception:
            task_coalesce_release(key)
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise
            logger.exception("could not enqueue %s; the broker is down", task.name)

    transaction.on_commit(_send)


def task_coalesce_release(key: str) -> None:
    """Called by a coalesced task as it starts: changes from now on send the next run."""
    try:
        cache.delete(key)
    except Exception:
        logger.exception("cache unavailable: %s left to expire", key)
