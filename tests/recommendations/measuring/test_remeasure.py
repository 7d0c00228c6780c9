"""`manage.py remeasure`: stored photos measured again by another version, audited, idempotent."""

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from inference.training.renderer import render_photo
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.models import EarPhoto, Recommendation
from recommendations.photos.storage import photo_object_read, photo_object_save
from recommendations.remeasure.services import ear_photos_remeasure, model_version_named
from tests.recommendations.photos.photo_rows import live, photo_rows
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db


def _upload(client: APIClient, fitting_id: str, seed: int) -> dict[str, Any]:
    buffer = io.BytesIO()
    render_photo(seed, size=(1024, 768), ear=True, card=True).image.save(buffer, "JPEG", quality=92)
    buffer.seek(0)
    buffer.name = "ear.jpg"
    response = client.post(
        f"/api/v1/fittings/{fitting_id}/photos", {"image": buffer, "side": "left"}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body: dict[str, Any] = response.json()
    return body


def _owner(create_fitting: Any) -> tuple[APIClient, str]:
    fitting_id, token = create_fitting()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, fitting_id


def _remeasure(*args: str) -> str:
    out = io.StringIO()
    call_command("remeasure", "--model", "2.0.0", "--no-progress", *args, stdout=out)
    return out.getvalue()


def _state() -> list[tuple[Any, ...]]:
    photos = EarPhoto.objects.order_by("pk").values_list(
        "pk", "model_version_id", "measurements", "quality", "geometry"
    )
    rankings = Recommendation.objects.order_by("pk").values_list("pk", "model_version", "inputs_digest")
    return [*photos, *rankings]


def test_remeasure_measures_with_the_version_ranks_again_audits_every_read_and_a_second_run_changes_nothing(
    photo_bucket: PhotoBucket, create_fitting: Any
) -> None:
    product_load_demo_catalog()
    # Stored under 1.1.0 (active by default): seed 13 passes 2.0.0 too, seed 14 does not.
    ranked_client, ranked = _owner(create_fitting)
    kept = _upload(ranked_client, ranked, 13)
    first_ranking = ranked_client.get(f"/api/v1/fittings/{ranked}/recommendation").json()
    assert first_ranking["model_version"] == "earnet-1.1.0"
    refused_client, refused = _owner(create_fitting)
    lost = _upload(refused_client, refused, 14)
    assert lost["measurements"]
    assert lost["model_version"] == "earnet-1.1.0"

    before = _state()
    assert "would re-measure 2 photo(s) of 2 fitting(s) with earnet-2.0.0" in _remeasure("--dry-run")
    assert _state() == before
    assert not AuditEvent.objects.filter(action__in=["photo.remeasured", "remeasure.run"]).exists()

    summary = _remeasure("--batch-size", "1")
    assert "earnet-2.0.0: 2 photo(s) read, 1 re-measured, 1 rejected by this version, 0 gone meanwhile" in summary
    assert "1 fitting(s) ranked again" in summary  # the refused photo's fitting was never ranked

    shown = ranked_client.get(f"/api/v1/fittings/{ranked}").json()["photos"][0]
    assert shown["model_version"] == "earnet-2.0.0"
    assert shown["quality"]["passed"] is True
    assert shown["measurements"]["ear_length"]["unit"] == "mm"
    kept_row = EarPhoto.objects.get(pk=kept["id"])
    assert tuple(kept_row.geometry["image_size"]) == (kept_row.width, kept_row.height)  # the stored photo's frame
    reranked = ranked_client.get(f"/api/v1/fittings/{ranked}/recommendation").json()
    assert reranked["model_version"] == "earnet-2.0.0"
    assert Recommendation.objects.filter(fitting_id=ranked).count() == 2

    refused_photo = refused_client.get(f"/api/v1/fittings/{refused}").json()["photos"][0]
    assert refused_photo["model_version"] == "earnet-2.0.0"
    assert refused_photo["measurements"] == {}
    assert refused_photo["quality"]["passed"] is False
    assert refused_photo["quality"]["reasons"][0]["code"] == "implausible_measurement"
    fallback = refused_client.get(f"/api/v1/fittings/{refused}/recommendation").json()
    assert fallback["basis"] == "questionnaire"

    reads = AuditEvent.objects.filter(action="photo.remeasured").order_by("seq")
    assert [(e.actor_type, e.actor_id, e.object_id, e.payload["outcome"]) for e in reads] == [
        ("system", "remeasure", kept["id"], "remeasured"),
        ("system", "remeasure", lost["id"], "rejected"),
    ]
    assert all(e.payload["from"] == "earnet-1.1.0" and e.payload["read_matches_row"] for e in reads)
    assert reads[1].payload["reasons"] == ["implausible_measurement"]
    run = AuditEvent.objects.get(action="remeasure.run")
    assert run.payload == {
        "model": "earnet-2.0.0",
        "photos_read": 2,
        "remeasured": 1,
        "rejected": 1,
        "gone": 0,
        "fittings_reranked": 1,
    }

    # A second run: nothing to read, nothing changes (photos, rankings, the reads in the trail).
    after = _state()
    again = _remeasure()
    assert "0 photo(s) read, 0 re-measured, 0 rejected by this version, 0 gone meanwhile" in again
    assert "0 fitting(s) ranked again" in again
    assert _state() == after
    assert AuditEvent.objects.filter(action="photo.remeasured").count() == 2


def test_remeasure_refuses_a_version_nobody_ships() -> None:
    with pytest.raises(CommandError, match=r"no model version '9\.9\.9'"):
        call_command("remeasure", "--model", "9.9.9")


def test_remeasure_runs_the_same_queries_for_each_photo_whatever_their_number(
    photo_bucket: PhotoBucket, create_fitting: Any
) -> None:
    """Per photo a fixed number of queries (read, lock, write, audit); the run's own are fixed."""
    stored = _upload(*_owner(create_fitting), 13)  # stored the way uploads are, under 1.1.0
    stored_row = EarPhoto.objects.get(pk=stored["id"])
    data = photo_object_read(key=stored_row.storage_key)
    version = model_version_named(model="2.0.0")
    assert version is not None
    assert ear_photos_remeasure(model_version=version).remeasured == 1  # the uploaded one, out of the way
    counts = []
    for number in (2, 4, 6):
        keys = [f"photos/2026/12/07/count/{number}-{i}.jpg" for i in range(number)]
        for key in keys:
            photo_object_save(key=key, data=data, content_type="image/jpeg")
        photo_rows(keys=keys, expires_at=live())
        EarPhoto.objects.filter(storage_key__in=keys).update(width=stored_row.width, height=stored_row.height)
        with CaptureQueriesContext(connection) as captured:
            result = ear_photos_remeasure(model_version=version)
        assert result.photos_read == number
        assert result.remeasured == result.photos_read  # measured: the counts include the whole write path
        counts.append(len(captured))
    assert counts[2] - counts[1] == counts[1] - counts[0]
    per_photo = (counts[1] - counts[0]) // 2
    assert per_photo <= 12, counts
