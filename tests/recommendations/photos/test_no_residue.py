"""No residue after any single fault: never a photo row without its object, never an object
without its row once the purge has run.

The faults are real: the database refuses the row write (a trigger raising the error a lost
connection gives), the S3 server is frozen (SIGSTOP) during a put or during a delete.
"""

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from botocore.config import Config
from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from accounts.audit.models import AuditAction, AuditEvent
from recommendations.models import EarPhoto
from recommendations.photos import storage
from recommendations.photos.services.purge import PURGE_JOB, ear_photo_purge_expired
from tests.earfit.test_celery import _wait_for
from tests.recommendations.photos.test_api_photos import ear_with_card, jpeg_bytes, upload  # noqa: F401 -- a fixture
from tests.s3 import PhotoBucket, S3Server

pytestmark = pytest.mark.django_db

FAIL_ROW_WRITE = """
CREATE FUNCTION earfit_test_fail_row_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the connection was lost at the row write' USING ERRCODE = 'connection_failure';
END $$;
CREATE TRIGGER earfit_test_fail_row_write BEFORE INSERT ON {table}
    FOR EACH ROW EXECUTE FUNCTION earfit_test_fail_row_write();
"""


@pytest.fixture
def quick_bucket(photo_bucket: PhotoBucket) -> Iterator[PhotoBucket]:
    """The test's bucket through a client that gives up on a frozen server in about 2 s."""
    photos: dict[str, Any] = {**settings.STORAGES["photos"]}  # type: ignore[dict-item]
    config = Config(
        s3={"addressing_style": "path"},
        signature_version="s3v4",
        connect_timeout=1,
        read_timeout=2,
        retries={"total_max_attempts": 1},
    )
    photos["OPTIONS"] = {**photos["OPTIONS"], "client_config": config}
    with override_settings(STORAGES={**settings.STORAGES, "photos": photos}):
        yield photo_bucket


@contextmanager
def s3_frozen(server: S3Server) -> Iterator[None]:
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


def purge_after_grace() -> Any:
    return ear_photo_purge_expired(now=timezone.now() + timedelta(seconds=settings.PHOTO_ORPHAN_GRACE_SECONDS + 60))


@pytest.mark.postgresql  # the fault is a PL/pgSQL trigger
def test_a_row_write_that_fails_after_the_put_deletes_the_object(
    quick_bucket: PhotoBucket,
    owner_client: tuple[APIClient, str],
    ear_with_card: Image.Image,  # noqa: F811
) -> None:
    with connection.cursor() as cursor:
        cursor.execute(FAIL_ROW_WRITE.format(table=connection.ops.quote_name(EarPhoto._meta.db_table)))
    puts: list[str] = []
    real_save = storage.photo_object_save

    def counted_save(**kwargs: Any) -> None:
        real_save(**kwargs)
        puts.append(kwargs["key"])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("recommendations.photos.services.upload.photo_object_save", counted_save)
        response = upload(*owner_client, jpeg_bytes(ear_with_card))

    assert response.status_code == 503, response.json()
    assert response.json()["extra"] == {"dependency": "database"}
    assert len(puts) == 1  # the object was stored before the row write failed...
    assert EarPhoto.objects.count() == 0
    assert quick_bucket.versions() == []  # ...and deleted again, every version


def test_an_upload_with_s3_frozen_leaves_no_row_and_its_late_object_is_collected(
    quick_bucket: PhotoBucket,
    s3_server: S3Server,
    owner_client: tuple[APIClient, str],
    ear_with_card: Image.Image,  # noqa: F811
) -> None:
    """The put times out, yet the server may store it once it runs again: an object without a row
    that only the purge's orphan sweep can find. It does, after the grace period, as the system."""
    with s3_frozen(s3_server):
        response = upload(*owner_client, jpeg_bytes(ear_with_card))
    assert response.status_code == 503
    assert response.json()["extra"] == {"dependency": "storage"}
    assert EarPhoto.objects.count() == 0
    _wait_for(quick_bucket.versions, 15, "the put the server received while frozen to land")
    assert len(quick_bucket.versions()) == 1  # the residue: an object that no row names

    result = purge_after_grace()

    assert result.orphans_removed == 1
    assert quick_bucket.versions() == []
    run = AuditEvent.objects.filter(action=AuditAction.PURGE_RUN).first()
    assert run is not None
    assert (run.actor_type, run.actor_id) == ("system", PURGE_JOB)
    assert run.payload["orphans_removed"] == result.orphans_removed


def test_an_erasure_whose_delete_meets_s3_frozen_leaves_objects_the_purge_collects(
    quick_bucket: PhotoBucket,
    s3_server: S3Server,
    owner_client: tuple[APIClient, str],
    ear_with_card: Image.Image,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, fitting_id = owner_client
    assert upload(client, fitting_id, jpeg_bytes(ear_with_card)).status_code == 201
    real_delete = storage.photo_object_versions_delete

    def delete_with_s3_frozen(versions: list[storage.ObjectVersion]) -> int:
        with s3_frozen(s3_server):
            return real_delete(versions)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(storage, "photo_object_versions_delete", delete_with_s3_frozen)
        with django_capture_on_commit_callbacks(execute=True):
            assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204

    assert EarPhoto.objects.count() == 0
    assert len(quick_bucket.versions()) == 1  # the delete failed: an orphan, for now

    assert purge_after_grace().orphans_removed == 1
    assert quick_bucket.versions() == []
