"""Background work on a real Celery worker against Redis, and what a request does when Redis is down."""

import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db import connection, transaction
from rest_framework.test import APIClient

from earfit.celery import app
from earfit.exceptions import DependencyUnavailable
from earfit.task_queue import task_enqueue_on_commit
from recommendations.models import EarPhoto, Fitting
from recommendations.tasks import fitting_rescore_task
from tests.recommendations.photos.photo_rows import expired, fitting, photo_rows
from tests.s3 import PhotoBucket, S3Server, free_ports, photo_environment

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("EARFIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


class Worker:
    """A `celery -A earfit worker` process of this test's own (concurrency 1, prefetch 1)."""

    def __init__(self, *, queue: str, name: str, env: dict[str, str], log: Path) -> None:
        self.log = log
        command = [
            sys.executable, "-m", "celery", "-A", "earfit", "worker", "-Q", queue, "-n", f"{name}@%h",
            "--concurrency", "1", "--prefetch-multiplier", "1", "--loglevel", "INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and fixed arguments
            command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self) -> None:
        _wait_for(lambda: " ready." in self.output(), 60, f"the worker to start ({self.log})")

    def signal(self, signum: int) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signum)  # its own process group: the worker and its pool child

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_of_a_worker_killed_mid_task_is_redelivered_and_its_effect_happens_once(
    photo_bucket: PhotoBucket, s3_server: S3Server, tmp_path: Path
) -> None:
    key = "photos/2026/08/01/killed/one-left.jpg"
    photo_rows(keys=[key], expires_at=expired())
    photo_bucket.put(key)
    queue = f"earfit-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.test",
        "DATABASE_URL": _database_url(),
        **photo_environment(endpoint=s3_server.endpoint, bucket=photo_bucket.name),
        "PHOTO_S3_READ_TIMEOUT": "60",
        "REQUEST_BUDGET_SECONDS": "200",  # a worker serves no requests; this read bound would exceed the budget
        "CELERY_BROKER_URL": REDIS_URL,
        # Redelivery in seconds, not the production hour.
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }
    assert s3_server.process is not None
    first = Worker(queue=queue, name=f"{queue}-a", env=env, log=tmp_path / "worker-a.log")
    second: Worker | None = None
    try:
        first.wait_ready()
        # The S3 server stops answering (SIGSTOP), so the purge is caught mid-task, inside its S3 call.
        s3_server.process.send_signal(signal.SIGSTOP)
        Celery(broker=REDIS_URL, set_as_current=False).send_task(
            "recommendations.tasks.photos_purge_expired_task", queue=queue
        )
        _wait_for(lambda: "received" in first.output(), 30, "the first worker to take the task")
        time.sleep(1.5)
        first.signal(signal.SIGKILL)
        first.process.wait(timeout=10)
        s3_server.process.send_signal(signal.SIGCONT)
        assert EarPhoto.objects.get(storage_key=key).purged_at is None

        second = Worker(queue=queue, name=f"{queue}-b", env=env, log=tmp_path / "worker-b.log")
        _wait_for(lambda: "succeeded" in second.output(), 45, "the task to be redelivered and to succeed")
    finally:
        s3_server.process.send_signal(signal.SIGCONT)
        first.stop()
        if second is not None:
            second.stop()

    assert "succeeded" not in first.output()
    assert second.output().count("succeeded") == 1
    assert "'photos_purged': 1" in second.output()
    assert EarPhoto.objects.get(storage_key=key).purged_at is not None
    assert photo_bucket.versions() == []


def _forget_broker_connections() -> None:
    """Pooled connections and producers were made for the previous broker URL: drop them."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_stopped(tmp_path: Path, settings: Any) -> Iterator[str]:
    """A Redis of this test's own, started and stopped (by its pid); the broker points at it."""
    port = free_ports(1)[0]
    server = subprocess.Popen(  # noqa: S603 -- fixed arguments
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607 -- the machine's redis-server
        stdout=(tmp_path / "redis.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        _wait_for(lambda: "Ready to accept connections" in (tmp_path / "redis.log").read_text(), 10, "redis")
    finally:
        server.terminate()
        server.wait(timeout=10)
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=url, task_always_eager=False)
    _forget_broker_connections()
    try:
        yield url
    finally:
        app.conf.update(**previous)
        _forget_broker_connections()


@pytest.mark.django_db
def test_readyz_is_503_with_redis_stopped(redis_stopped: str) -> None:
    response = APIClient().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "failed"
    assert "broker" in response.json()["failed"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_required_work_with_redis_stopped_is_refused_and_leaves_nothing(redis_stopped: str) -> None:
    before = Fitting.objects.count()

    def change_that_needs_the_worker() -> None:
        with transaction.atomic():
            created = fitting()
            task_enqueue_on_commit(fitting_rescore_task, str(created.pk), required=True)

    with pytest.raises(DependencyUnavailable) as refused:
        change_that_needs_the_worker()
    assert refused.value.dependency == "broker"
    assert Fitting.objects.count() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_optional_work_with_redis_stopped_leaves_the_request_answered(
    redis_stopped: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="earfit.task_queue")
    with transaction.atomic():
        created = fitting()
        task_enqueue_on_commit(fitting_rescore_task, str(created.pk))
    assert Fitting.objects.filter(pk=created.pk).exists()
    assert "could not enqueue" in caplog.text
