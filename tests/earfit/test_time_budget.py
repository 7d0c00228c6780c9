"""The request time budget as configured: its parts, their sum, and what each dependency is given."""

import runpy
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from earfit.celery import app
from earfit.exceptions import DependencyUnavailable
from earfit.task_queue import broker_ping, task_enqueue_on_commit
from earfit.tasks import celery_queue_depth_task
from tests.earfit.test_celery import _forget_broker_connections
from tests.frozen import PrivateRedis, frozen
from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS']; "
    "print(s.DATABASES['default']['ENGINE'], o['options'], o['read_timeout'], o['tcp_user_timeout'], o['keepalives']); "
    "print(s.CACHES['default']['OPTIONS']['socket_timeout'], s.CACHES['default']['OPTIONS']['retry'].get_retries()); "
    "print(s.STORAGES['photos']['OPTIONS']['object_parameters'])"
)


def _production_shell(command: str, **extra: str) -> subprocess.CompletedProcess[str]:
    with production_environment(inherit=True, DJANGO_SETTINGS_MODULE="earfit.settings.production", **extra) as env:
        return subprocess.run(  # noqa: S603 -- our own manage.py
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )


def test_the_parts_add_up_to_the_budget_and_the_budget_is_below_gunicorns_timeout() -> None:
    parts = {part.dependency: part.seconds for part in settings.REQUEST_BUDGET_PARTS}
    assert parts == {"database": 11.0, "storage (S3)": 17.0, "cache (Redis)": 3.0, "broker": 10.0}
    assert sum(parts.values()) <= settings.REQUEST_BUDGET_SECONDS == 45
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gunicorn["timeout"] > settings.REQUEST_BUDGET_SECONDS
    assert min(parts.values()) > settings.READINESS_CHECK_TIMEOUT_SECONDS


def test_production_bounds_every_dependency() -> None:
    result = _production_shell(
        SHOW, PHOTO_S3_SSE="aws:kms", PHOTO_S3_KMS_KEY_ID="arn:aws:kms:eu-central-1:111122223333:key/data"
    )
    assert result.returncode == 0, result.stderr
    database, cache, encryption = result.stdout.splitlines()[-3:]
    assert database == "earfit.db.postgresql -c statement_timeout=5000 8.0 8000 1"
    assert cache == "2.0 0"
    assert encryption == (
        "{'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'arn:aws:kms:eu-central-1:111122223333:key/data'}"
    )


def test_timeouts_over_the_budget_refuse_to_start() -> None:
    result = _production_shell("from django.conf import settings; print(settings.DEBUG)", PHOTO_S3_READ_TIMEOUT="30")
    assert result.returncode != 0
    assert "the dependency timeouts add up to 91 s" in result.stderr
    assert "over REQUEST_BUDGET_SECONDS=45" in result.stderr


@pytest.fixture
def private_broker(settings: Any) -> Iterator[PrivateRedis]:
    """The broker is a Redis of this test's own (the shared one is never frozen)."""
    redis = PrivateRedis().start()
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.update(broker_url=redis.url(0), task_always_eager=False)
    _forget_broker_connections()
    try:
        yield redis
    finally:
        app.conf.update(**previous)
        _forget_broker_connections()
        redis.stop()


@pytest.mark.django_db
def test_with_the_broker_frozen_a_check_and_a_publish_each_end_within_their_bound(
    private_broker: PrivateRedis, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit(celery_queue_depth_task)  # a kept connection, as a web thread has
    bound = settings.CELERY_BROKER_CONNECTION_TIMEOUT + settings.CELERY_BROKER_SOCKET_TIMEOUT + 1.0
    with frozen(private_broker.pids()):
        started = time.monotonic()
        with pytest.raises(DependencyUnavailable):
            broker_ping()  # required work: the request would answer 503
        checked = time.monotonic() - started
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            task_enqueue_on_commit(celery_queue_depth_task)  # optional work: logged as missed
        published = time.monotonic() - started
    print(f"broker frozen: check {checked:.1f} s, publish {published:.1f} s")
    assert checked < bound, checked
    assert published < bound, published
    assert "could not enqueue earfit.tasks.celery_queue_depth_task" in caplog.text
    caplog.clear()
    with django_capture_on_commit_callbacks(execute=True):
        task_enqueue_on_commit(celery_queue_depth_task)  # thawed: sent again, same process
    assert "could not enqueue" not in caplog.text
