"""Production logs are JSON lines, and the two lines the alarms count are written when they should be."""

import json
import logging
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from celery import Celery

from earfit.celery import app
from earfit.json_logging import JsonFormatter
from earfit.request_context import current_request_id
from earfit.tasks import celery_queue_depth_task
from recommendations.photos.services.purge import ear_photo_purge_expired
from tests.earfit.test_celery import REDIS_URL, _forget_broker_connections
from tests.recommendations.photos.photo_rows import expired, photo_rows, put_objects
from tests.s3 import PhotoBucket


def test_json_formatter_writes_one_object_with_the_request_id_and_extra_fields_at_the_top() -> None:
    record = logging.LogRecord("earfit.x", logging.WARNING, __file__, 1, "%d waiting", (3,), None)
    record.event, record.depth = "celery.queue_depth", 3
    token = current_request_id.set("req-0123456789")
    try:
        line = JsonFormatter().format(record)
    finally:
        current_request_id.reset(token)

    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["event"] == "celery.queue_depth"
    assert parsed["depth"] == 3
    assert parsed["message"] == "3 waiting"
    assert parsed["level"] == "WARNING"
    assert parsed["logger"] == "earfit.x"
    assert parsed["request_id"] == "req-0123456789"
    assert parsed["time"].endswith("+00:00")


def test_json_formatter_keeps_a_traceback_inside_its_line() -> None:
    try:
        raise ValueError("bad tip size")
    except ValueError:
        record = logging.LogRecord("earfit.x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    parsed = json.loads(JsonFormatter().format(record))
    assert "ValueError: bad tip size" in parsed["exception"]
    assert parsed["request_id"] is None


@pytest.mark.django_db
def test_every_purge_run_ends_with_the_purge_completed_line(
    photo_bucket: PhotoBucket, caplog: pytest.LogCaptureFixture
) -> None:
    doomed = [f"photos/2026/08/01/log/{uuid.uuid4().hex}-left.jpg" for _ in range(3)]
    photo_rows(keys=doomed, expires_at=expired())
    put_objects(photo_bucket, doomed)
    caplog.set_level(logging.INFO, logger="recommendations.photos.services.purge")

    ear_photo_purge_expired()
    ear_photo_purge_expired()  # nothing left to do: still a run, still a line
    ear_photo_purge_expired(dry_run=True)  # a dry run purges nothing, so it must not count as a run

    lines = [r for r in caplog.records if getattr(r, "event", None) == "photos.purge_completed"]
    assert [(r.photos_purged, r.photo_versions_deleted, r.dry_run) for r in lines] == [(3, 3, False), (0, 0, False)]  # type: ignore[attr-defined]
    assert json.loads(JsonFormatter().format(lines[0]))["photos_purged"] == 3


@pytest.fixture
def broker_on_test_redis() -> Iterator[str]:
    """The app's broker is the test Redis (its own database number), and a queue of this test's own."""
    previous = app.conf.broker_url
    app.conf.broker_url = REDIS_URL
    _forget_broker_connections()
    queue = f"earfit-depth-{uuid.uuid4().hex[:8]}"
    try:
        yield queue
    finally:
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        app.conf.broker_url = previous
        _forget_broker_connections()


def test_queue_depth_task_logs_how_many_messages_wait(
    broker_on_test_redis: str, caplog: pytest.LogCaptureFixture
) -> None:
    queue = broker_on_test_redis
    sender = Celery(broker=REDIS_URL, set_as_current=False)
    for _ in range(3):
        sender.send_task("recommendations.tasks.fitting_rescore_task", args=[str(uuid.uuid4())], queue=queue)
    sender.close()
    caplog.set_level(logging.INFO, logger="earfit.tasks")

    assert celery_queue_depth_task.run(queue=queue) == 3

    (line,) = [r for r in caplog.records if getattr(r, "event", None) == "celery.queue_depth"]
    fields: Any = json.loads(JsonFormatter().format(line))
    assert (fields["queue"], fields["depth"]) == (queue, 3)


def test_beat_measures_the_default_queue_every_minute() -> None:
    entry = app.conf.beat_schedule["celery-queue-depth-every-minute"]
    assert entry["task"] == celery_queue_depth_task.name
    assert entry["schedule"] == 60.0
    assert entry["options"]["expires"] < 60
    assert app.conf.task_default_queue == "celery"
