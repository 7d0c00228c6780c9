import threading
import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.audit.models import AuditAction, AuditEvent
from recommendations.models import EarPhoto
from recommendations.photos.services import purge
from recommendations.photos.services.purge import PhotoPurgeResult, ear_photo_purge_expired
from recommendations.photos.storage import ObjectVersion, PhotoStorageUnavailable, photo_object_versions_delete
from tests.recommendations.photos.photo_rows import expired, live, photo_rows, put_objects
from tests.s3 import PhotoBucket, S3Server

pytestmark = pytest.mark.django_db


def keys(count: int, tag: str) -> list[str]:
    return [f"photos/2026/08/01/{tag}/{uuid.uuid4().hex}-left.jpg" for _ in range(count)]


def later(hours: int = 2) -> Any:
    """A purge run this much later: objects written now are past the orphan grace period then."""
    return timezone.now() + timedelta(hours=hours)


@pytest.mark.slow
def test_purge_of_5000_expired_photos_deletes_exactly_those_with_every_version(photo_bucket: PhotoBucket) -> None:
    doomed, kept = keys(5000, "expired"), keys(300, "kept")
    photo_rows(keys=doomed, expires_at=expired())
    photo_rows(keys=kept, expires_at=live())
    put_objects(photo_bucket, doomed[:300], versions=2)
    put_objects(photo_bucket, doomed[300:] + kept)

    result = ear_photo_purge_expired()

    assert (result.photos_purged, result.photo_versions_deleted, result.orphans_removed) == (5000, 5300, 0)
    assert sorted(v["Key"] for v in photo_bucket.versions()) == sorted(kept)
    purged = EarPhoto.objects.filter(storage_key__in=doomed)
    assert purged.filter(purged_at__isnull=False, measurements={}, geometry={}, sha256="").count() == 5000
    assert not EarPhoto.objects.filter(storage_key__in=kept, purged_at__isnull=False).exists()
    again = ear_photo_purge_expired()
    assert (again.photos_purged, again.photo_versions_deleted) == (0, 0)


@pytest.mark.slow
@pytest.mark.postgresql  # row locking with SKIP LOCKED
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_purges_at_once_delete_nothing_twice_and_fail_nothing(photo_bucket: PhotoBucket) -> None:
    doomed = keys(3000, "expired")
    photo_rows(keys=doomed, expires_at=expired())
    put_objects(photo_bucket, doomed)
    orphans = keys(200, "orphan")
    put_objects(photo_bucket, orphans)
    results: list[PhotoPurgeResult] = []
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(ear_photo_purge_expired(now=later()))
        except BaseException as exc:  # noqa: BLE001 -- the test reports any failure of either run
            failures.append(exc)
        finally:
            connection.close()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join(timeout=300)

    assert failures == []
    assert sum(r.photos_purged for r in results) == 3000
    assert sum(r.photo_versions_deleted for r in results) == 3000
    assert sum(r.orphans_removed for r in results) == 200
    assert sum(r.orphans_skipped for r in results) <= 1
    assert photo_bucket.versions() == []
    assert EarPhoto.objects.filter(purged_at__isnull=True).count() == 0


def test_orphaned_objects_are_collected_after_the_grace_period_only(photo_bucket: PhotoBucket) -> None:
    orphan = "photos/2026/08/01/gone/orphan-left.jpg"
    photo_bucket.put(orphan)
    photo_bucket.put(orphan)
    in_flight = "photos/2026/11/23/uploading/new-left.jpg"
    kept = keys(1, "kept")
    photo_rows(keys=kept, expires_at=live())
    put_objects(photo_bucket, kept)

    now_result = ear_photo_purge_expired()
    assert now_result.orphans_removed == 0  # everything is younger than the grace period

    photo_bucket.put(in_flight)
    result = ear_photo_purge_expired(now=later())

    assert (result.orphans_removed, result.orphan_versions_deleted) == (2, 3)
    assert sorted(v["Key"] for v in photo_bucket.versions()) == kept


def test_leftover_version_of_an_already_purged_photo_is_collected(photo_bucket: PhotoBucket) -> None:
    key = keys(1, "purged")[0]
    photo_rows(keys=[key], expires_at=expired())
    ear_photo_purge_expired()
    photo_bucket.put(key)  # e.g. a retried upload that landed after the purge

    result = ear_photo_purge_expired(now=later())

    assert result.orphans_removed == 1
    assert photo_bucket.versions() == []


def test_dry_run_counts_and_changes_nothing(photo_bucket: PhotoBucket) -> None:
    doomed = keys(4, "expired")
    photo_rows(keys=doomed, expires_at=expired())
    put_objects(photo_bucket, doomed)
    out = StringIO()

    call_command("purge_expired_photos", "--dry-run", stdout=out, stderr=StringIO())

    assert "would purge 4 expired photo(s)" in out.getvalue()
    assert len(photo_bucket.versions()) == 4
    assert not EarPhoto.objects.filter(purged_at__isnull=False).exists()


def test_older_than_leaves_recently_expired_photos(photo_bucket: PhotoBucket) -> None:
    long_ago, recent = keys(2, "long-ago"), keys(3, "recent")
    photo_rows(keys=long_ago, expires_at=timezone.now() - timedelta(days=10))
    photo_rows(keys=recent, expires_at=timezone.now() - timedelta(hours=1))
    put_objects(photo_bucket, long_ago + recent)
    out = StringIO()

    call_command("purge_expired_photos", "--older-than", "7d", stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("purge_expired_photos: purged 2 expired photo(s) (2 object versions)")
    assert sorted(v["Key"] for v in photo_bucket.versions()) == sorted(recent)


def test_expired_photo_whose_object_is_already_gone_is_still_emptied(photo_bucket: PhotoBucket) -> None:
    photo_rows(keys=keys(2, "lifecycle-got-there-first"), expires_at=expired())

    result = ear_photo_purge_expired()

    assert result.photos_purged == 2
    assert EarPhoto.objects.filter(purged_at__isnull=False, measurements={}).count() == 2


def test_purge_query_count_does_not_grow_with_the_number_of_photos(photo_bucket: PhotoBucket) -> None:
    def queries_for(count: int) -> int:
        doomed = keys(count, f"n{count}")
        photo_rows(keys=doomed, expires_at=expired())
        put_objects(photo_bucket, doomed)
        with CaptureQueriesContext(connection) as captured:
            ear_photo_purge_expired()
        return len(captured.captured_queries)

    # Per batch, not per photo: the audit events of a batch go in with bulk inserts, which SQLite
    # splits at 999 parameters (about 80 events a statement); PostgreSQL takes them in one.
    few, many = queries_for(5), queries_for(200)
    assert many - few <= 200 // 80


@pytest.mark.slow
def test_a_failed_delete_request_leaves_every_row_of_its_transaction_for_the_next_run(
    photo_bucket: PhotoBucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pages' delete requests are in flight together; the second fails, so none of the rows is
    emptied or audited, and the next run purges them all (their objects listed or already gone)."""
    doomed = keys(2500, "failing-request")
    photo_rows(keys=doomed, expires_at=expired())
    put_objects(photo_bucket, doomed)
    requests: list[int] = []
    real_delete = photo_object_versions_delete

    def second_request_fails(versions: list[ObjectVersion]) -> int:
        requests.append(len(versions))
        if len(requests) == 2:
            raise PhotoStorageUnavailable("delete: SlowDown")
        return real_delete(versions)

    monkeypatch.setattr(purge, "photo_object_versions_delete", second_request_fails)
    with pytest.raises(PhotoStorageUnavailable):
        ear_photo_purge_expired()

    assert len(requests) >= 3  # one per listing page (re-cut so that a key stays in one page)
    assert max(requests) <= 1000
    assert EarPhoto.objects.filter(storage_key__in=doomed, purged_at__isnull=True).count() == 2500
    assert not AuditEvent.objects.filter(action=AuditAction.PHOTO_PURGED).exists()
    monkeypatch.setattr(purge, "photo_object_versions_delete", real_delete)
    again = ear_photo_purge_expired()
    assert again.photos_purged == 2500
    assert photo_bucket.versions() == []
    assert AuditEvent.objects.filter(action=AuditAction.PHOTO_PURGED).count() == 2500


def test_purge_command_fails_with_a_nonzero_exit_when_the_s3_server_is_stopped(s3_stopped: S3Server) -> None:
    photo_rows(keys=keys(1, "expired"), expires_at=expired())

    with pytest.raises(CommandError, match="storage unavailable"):
        call_command("purge_expired_photos", stdout=StringIO(), stderr=StringIO())

    assert EarPhoto.objects.filter(purged_at__isnull=True).count() == 1


def test_purge_works_on_the_filesystem_of_the_embedded_default(tmp_path: Any, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    doomed, kept = keys(3, "expired"), keys(1, "kept")
    photo_rows(keys=doomed, expires_at=expired())
    photo_rows(keys=kept, expires_at=live())
    for key in [*doomed, *kept, "photos/2026/08/01/orphan.jpg"]:
        (tmp_path / key).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / key).write_bytes(b"ear")

    result = ear_photo_purge_expired(now=later())

    assert (result.photos_purged, result.orphans_removed) == (3, 1)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.jpg")) == kept


def test_the_daily_purge_is_scheduled_on_celery_beat(settings: Any, photo_bucket: PhotoBucket) -> None:
    from recommendations.tasks import photos_purge_expired_task

    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-photos-daily"]
    assert entry["task"] == photos_purge_expired_task.name
    photo_rows(keys=keys(1, "expired"), expires_at=expired())
    assert photos_purge_expired_task.delay().get() == {"photos_purged": 1, "orphans_removed": 0}
