"""Catalog changes share one re-rank run: ten saves queue one task, on a real Celery worker and a
real Redis (broker and the shared cache), and the re-ranks are audited as the system with the cause."""

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from kombu import pools as kombu_pools
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor
from accounts.models import Role
from earfit.celery import app
from recommendations.catalog.services import product_load_demo_catalog, product_set_active
from recommendations.models import Product, Recommendation
from recommendations.tasks import RERANK_ACTOR, RERANK_PENDING_KEY
from tests.conftest import SPORT_ANSWERS, consent
from tests.earfit.test_celery import REDIS_URL, Worker, _database_url, _wait_for
from tests.factories import UserFactory

WINDOW = 3
RESCORE = "recommendations.tasks.fittings_rescore_task"


@contextmanager
def sending_to_redis(settings: Any) -> Iterator[str]:
    """This process sends to Redis (not eagerly) on a queue of the test's own, and shares the
    worker's cache, where the pending mark lives."""
    queue = f"earfit-test-{uuid.uuid4().hex[:8]}"
    previous = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RERANK_COALESCE_SECONDS = WINDOW
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, task_default_queue=queue)
    _pools_for_the_new_broker()
    try:
        yield queue
    finally:
        app.conf.update(**previous)
        _pools_for_the_new_broker()


def _pools_for_the_new_broker() -> None:
    """Fresh connection and producer pools for the current broker URL. kombu keeps one pool per
    URL for the whole process: closed by an earlier test, it would refuse every send here."""
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def ranked_fitting() -> str:
    client = APIClient()
    created = client.post(
        "/api/v1/fittings",
        {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()},
        format="json",
    ).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['access_token']}")
    assert client.get(f"/api/v1/fittings/{created['id']}/recommendation").status_code == 200
    return str(created["id"])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_ten_catalog_saves_queue_one_re_rank_run_audited_as_the_system(settings: Any, tmp_path: Path) -> None:
    # Eagerly, before the worker (its own re-rank is not counted), whatever an earlier test left
    # in the app's configuration.
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        product_load_demo_catalog()
        fittings = [ranked_fitting() for _ in range(3)]
    finally:
        app.conf.task_always_eager = eager
    staff = AuditActor.for_user(UserFactory.create(role=Role.CATALOG_MANAGER))
    product = Product.objects.order_by("pk").first()
    assert product is not None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "RERANK_COALESCE_SECONDS": str(WINDOW),
    }
    with sending_to_redis(settings) as queue:
        cache.delete(RERANK_PENDING_KEY)
        worker = Worker(queue=queue, name=queue, env=env, log=tmp_path / "worker.log")
        try:
            worker.wait_ready()
            for i in range(10):  # retire, activate, retire, ...: ten committed catalog changes
                product_set_active(product_ids=[product.pk], active=i % 2 == 1, actor=staff)
            _wait_for(lambda: "succeeded" in worker.output(), 60, "the re-rank run")
            time.sleep(WINDOW + 2)  # long enough for a second run, were one queued
        finally:
            worker.stop()

    log = worker.output()
    assert log.count(f"Task {RESCORE}[") == 2  # one "received", one "succeeded": one run
    assert "Task recommendations.tasks.fitting_rescore_task[" not in log  # no task per fitting
    assert "catalog changed: 3 fitting(s) re-ranked" in log  # it ranked the three fittings itself
    reranks = AuditEvent.objects.filter(action="recommendation.generated", actor_id=RERANK_ACTOR)
    assert reranks.count() == 3
    assert {event.payload["fitting_id"] for event in reranks} == set(fittings)
    assert all(event.payload["cause"] == "catalog_change" for event in reranks)
    assert all(event.actor_type == "system" for event in reranks)
    for fitting_id in fittings:
        assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 2
