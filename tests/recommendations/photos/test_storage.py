import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.utils
import pytest
from django.test.utils import override_settings
from rest_framework.test import APIClient

from earfit.exceptions import DependencyUnavailable
from recommendations.photos.storage import (
    _s3_timestamp,
    photo_key_new,
    photo_object_key_versions,
    photo_object_save,
    photo_object_url,
    photo_objects_delete,
)
from tests.s3 import PhotoBucket, S3Server


def test_photo_object_is_private_and_encrypted_at_rest(photo_bucket: PhotoBucket, s3_server: S3Server) -> None:
    key = photo_key_new(fitting_id="f1", side="left")
    photo_object_save(key=key, data=b"\xff\xd8 an ear", content_type="image/jpeg")

    head = photo_bucket.client.head_object(Bucket=photo_bucket.name, Key=key)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentType"] == "image/jpeg"
    with pytest.raises(urllib.error.HTTPError) as anonymous:
        urllib.request.urlopen(f"{s3_server.endpoint}/{photo_bucket.name}/{key}", timeout=5)  # noqa: S310 -- loopback
    assert anonymous.value.code in {401, 403}


def test_presigned_url_reads_the_photo(photo_bucket: PhotoBucket) -> None:
    key = photo_key_new(fitting_id="f1", side="right")
    photo_object_save(key=key, data=b"\xff\xd8 an ear", content_type="image/jpeg")

    url = photo_object_url(key=key, expires_in=30)

    assert url is not None
    assert "X-Amz-Expires=30" in url
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 -- a loopback URL we signed
        assert response.read() == b"\xff\xd8 an ear"


def test_deleting_a_photo_removes_every_version_and_leaves_no_delete_marker(photo_bucket: PhotoBucket) -> None:
    key = "photos/2026/11/23/f/one-left.jpg"
    for _ in range(3):
        photo_bucket.put(key)
    photo_bucket.put("photos/2026/11/23/f/one-left.jpgx")  # a longer key is another object

    assert photo_objects_delete([key]) == 3
    assert [v["Key"] for v in photo_bucket.versions()] == ["photos/2026/11/23/f/one-left.jpgx"]


def test_saving_with_the_s3_server_stopped_is_a_503_dependency_error(s3_stopped: S3Server) -> None:
    with pytest.raises(DependencyUnavailable) as raised:
        photo_object_save(key="photos/x.jpg", data=b"x", content_type="image/jpeg")
    assert raised.value.dependency == "storage"
    assert raised.value.status_code == 503


@pytest.mark.django_db
def test_readyz_is_503_with_the_s3_server_stopped(s3_stopped: S3Server) -> None:
    response = APIClient().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["status"] == "failed"
    assert response.json()["failed"] == ["storage"]
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_readyz_checks_the_photo_bucket() -> None:
    assert APIClient().get("/readyz").json()["checks"]["storage"]["status"] == "ok"


def test_filesystem_storage_keeps_working_for_the_embedded_default(tmp_path: Path, settings: Any) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "photos": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}},
    }
    key = photo_key_new(fitting_id="f2", side="left")
    photo_object_save(key=key, data=b"ear", content_type="image/jpeg")

    assert (tmp_path / key).read_bytes() == b"ear"
    assert [v.key for v in photo_object_key_versions([key])] == [key]
    assert photo_object_url(key=key) is None
    assert photo_objects_delete([key]) == 1
    assert not (tmp_path / key).exists()


def test_the_retention_days_come_from_one_django_free_module() -> None:
    from earfit.retention import photo_retention_days

    assert photo_retention_days({}) == 90
    assert photo_retention_days({"PHOTO_RETENTION_DAYS": "30"}) == 30
    with pytest.raises(ValueError, match="at least 1"):
        photo_retention_days({"PHOTO_RETENTION_DAYS": "0"})
    with override_settings():
        from django.conf import settings

        assert photo_retention_days() == settings.PHOTO_RETENTION_DAYS


@pytest.mark.parametrize(
    "text",
    ["2026-11-23T22:44:53.000Z", "2026-11-23T22:44:53Z", "Mon, 23 Nov 2026 22:44:53 GMT"],
)
def test_s3_timestamps_are_read_by_the_fast_path_or_botocore_alike(text: str) -> None:
    """The shared client's timestamp reader agrees with botocore's own, in every S3 format."""
    assert _s3_timestamp(text) == botocore.utils.parse_timestamp(text) == datetime(2026, 11, 23, 22, 44, 53, tzinfo=UTC)
