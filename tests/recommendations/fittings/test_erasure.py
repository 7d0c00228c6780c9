from typing import Any

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from recommendations.models import EarPhoto, Fitting, FittingStatus
from tests.conftest import database_outage
from tests.recommendations.photos.photo_rows import live, photo_rows
from tests.s3 import PhotoBucket, S3Server

pytestmark = pytest.mark.django_db


@pytest.fixture
def fitting_with_photos(owner_client: tuple[APIClient, str], photo_bucket: PhotoBucket) -> dict[str, Any]:
    client, fitting_id = owner_client
    fitting = Fitting.objects.get(pk=fitting_id)
    keys = [f"photos/2026/11/23/{fitting_id}/{n}-left.jpg" for n in range(3)]
    photo_rows(keys=keys, expires_at=live(), owner=fitting)
    for key in keys:
        photo_bucket.put(key)
        photo_bucket.put(key)  # a second stored version of the same object
    photo_bucket.put("photos/2026/11/23/someone-else/0-left.jpg")
    return {"client": client, "id": fitting_id, "keys": keys}


def test_erasure_deletes_every_version_of_every_photo_and_keeps_the_record(
    fitting_with_photos: dict[str, Any], photo_bucket: PhotoBucket, django_capture_on_commit_callbacks: Any
) -> None:
    client, fitting_id = fitting_with_photos["client"], fitting_with_photos["id"]

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204

    assert [v["Key"] for v in photo_bucket.versions()] == ["photos/2026/11/23/someone-else/0-left.jpg"]
    assert not EarPhoto.objects.filter(fitting_id=fitting_id).exists()
    fitting = Fitting.objects.get(pk=fitting_id)
    assert fitting.status == FittingStatus.ERASED
    assert fitting.answers == {}
    assert fitting.erased_at is not None
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204


def test_erasure_with_the_s3_server_stopped_answers_503_and_changes_nothing(
    owner_client: tuple[APIClient, str], s3_stopped: S3Server
) -> None:
    client, fitting_id = owner_client
    photo_rows(keys=[f"photos/x/{fitting_id}/0-left.jpg"], expires_at=live(), owner=Fitting.objects.get(pk=fitting_id))

    response = client.delete(f"/api/v1/fittings/{fitting_id}")

    assert response.status_code == 503
    assert response.json()["extra"] == {"dependency": "storage"}
    assert int(response["Retry-After"]) > 0
    assert Fitting.objects.get(pk=fitting_id).status == FittingStatus.OPEN
    assert EarPhoto.objects.filter(fitting_id=fitting_id).count() == 1


def test_an_operators_erasure_with_the_s3_server_stopped_fails_and_changes_nothing(
    owner_client: tuple[APIClient, str], s3_stopped: S3Server
) -> None:
    _, fitting_id = owner_client
    photo_rows(keys=[f"photos/x/{fitting_id}/0-left.jpg"], expires_at=live(), owner=Fitting.objects.get(pk=fitting_id))

    with pytest.raises(CommandError, match="nothing erased: storage unavailable"):
        call_command("erase_fitting", fitting_id, "--request", "DSR-1")

    assert Fitting.objects.get(pk=fitting_id).status == FittingStatus.OPEN
    assert EarPhoto.objects.filter(fitting_id=fitting_id).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_erasure_with_the_database_stopped_answers_503_and_deletes_no_object(
    fitting_with_photos: dict[str, Any],
    photo_bucket: PhotoBucket,
) -> None:
    client, fitting_id = fitting_with_photos["client"], fitting_with_photos["id"]

    with database_outage():
        response = client.delete(f"/api/v1/fittings/{fitting_id}")

    assert response.status_code == 503
    assert response.json()["extra"] == {"dependency": "database"}
    assert len(photo_bucket.versions()) == 7
    assert EarPhoto.objects.filter(fitting_id=fitting_id).count() == 3
