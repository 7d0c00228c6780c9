"""The active version as every process reads it: recorded with each photo, refused when its file
is not the one it was registered with."""

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor
from inference.training.renderer import render_photo
from recommendations.measuring.active import model_version_active
from recommendations.measuring.services import (
    active_model_cache_key,
    model_version_activate,
    model_versions_register_shipped,
)
from recommendations.models import ModelVersion
from tests.recommendations.photos.test_api_photo_geometry import _post
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db


def test_first_use_registers_every_shipped_version_and_activates_the_default_once() -> None:
    assert model_version_active().label == "earnet-1.1.0"
    assert set(ModelVersion.objects.values_list("version", flat=True)) == {"1.1.0", "2.0.0", "2.1.0"}
    cache.delete(active_model_cache_key())
    assert model_version_active().label == "earnet-1.1.0"
    (event,) = AuditEvent.objects.filter(action="model.activated")
    assert (event.actor_type, event.actor_id, event.payload["from"], event.payload["to"]) == (
        "system",
        "model_first_use",
        None,
        "earnet-1.1.0",
    )


def test_a_version_whose_file_is_not_the_registered_one_is_refused_with_503(
    photo_bucket: PhotoBucket, owner_client: tuple[APIClient, str], django_capture_on_commit_callbacks: Any
) -> None:
    rows = {row.version: row for row in model_versions_register_shipped()}
    ModelVersion.objects.filter(pk=rows["2.0.0"].pk).update(sha256="0" * 64)  # not what the file hashes to
    rows["2.0.0"].refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        model_version_activate(model_version=rows["2.0.0"], actor=AuditActor.system("test"))
    client, fitting_id = owner_client
    response = _post(client, fitting_id, render_photo(13, size=(1024, 768), ear=True, card=True).image)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    ready = APIClient().get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["model"]["status"] == "failed"
    assert ready.json()["failed"] == ["model"]
