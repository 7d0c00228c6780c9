"""Every file of the hostile-upload corpus (tests/hostile.py) posted as an ear photo: a 4xx in the
one error shape with its code, no row and no object stored, and the service still measuring."""

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from inference.training.renderer import render_photo
from recommendations.models import EarPhoto
from tests.earfit.test_errors import assert_error_shape
from tests.hostile import HostileUpload, hostile_corpus
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db

CORPUS = hostile_corpus()


def post(client: APIClient, fitting_id: str, upload: HostileUpload) -> Any:
    # Sent under the corpus's name and content type: a lie in either is what the service sees.
    image = SimpleUploadedFile(upload.filename, upload.data, content_type=upload.content_type)
    return client.post(f"/api/v1/fittings/{fitting_id}/photos", {"image": image, "side": "left"}, format="multipart")


@pytest.mark.parametrize("upload", CORPUS, ids=[upload.name for upload in CORPUS])
def test_a_hostile_upload_is_refused_and_leaves_nothing(
    owner_client: tuple[APIClient, str], photo_bucket: PhotoBucket, upload: HostileUpload
) -> None:
    client, fitting_id = owner_client
    response = post(client, fitting_id, upload)
    assert_error_shape(response, upload.status, upload.code)
    assert EarPhoto.objects.count() == 0
    assert photo_bucket.versions() == []


def test_after_the_whole_corpus_the_same_process_still_measures_a_photo(
    owner_client: tuple[APIClient, str], photo_bucket: PhotoBucket
) -> None:
    client, fitting_id = owner_client
    for upload in CORPUS:
        assert 400 <= post(client, fitting_id, upload).status_code < 500, upload.name
    buffer = io.BytesIO()
    render_photo(11, size=(1024, 768), ear=True, card=True).image.save(buffer, "JPEG", quality=92)
    good = HostileUpload("good", "ear.jpg", "image/jpeg", 201, "", buffer.getvalue)
    response = post(client, fitting_id, good)
    assert response.status_code == 201, response.content
    assert EarPhoto.objects.count() == 1
    assert len(photo_bucket.versions()) == 1
