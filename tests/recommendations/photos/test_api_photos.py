"""Uploading an ear photo: hardened input, measurement by the real model, private metadata-free storage."""

import io
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from inference.training.renderer import render_photo
from inference.types import QualityIssue
from recommendations.measuring.analysis import retake_advice
from recommendations.models import EarPhoto, ModelVersion
from recommendations.photos.storage import photo_object_read
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825


def jpeg_bytes(image: Image.Image, *, exif: Image.Exif | None = None, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, exif=exif or Image.Exif())
    return buffer.getvalue()


def with_gps(image: Image.Image, orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    return jpeg_bytes(image, exif=exif)


@pytest.fixture(scope="module")
def ear_with_card() -> Image.Image:
    return render_photo(11, size=(1024, 768), ear=True, card=True).image


@pytest.fixture(scope="module")
def ear_without_card() -> Image.Image:
    return render_photo(12, size=(1024, 768), ear=True, card=False).image


@pytest.fixture(scope="module")
def no_ear() -> Image.Image:
    return render_photo(13, size=(1024, 768), ear=False, card=True).image


def upload(client: APIClient, fitting_id: str, data: bytes, *, side: str = "left", name: str = "ear.jpg") -> Any:
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(f"/api/v1/fittings/{fitting_id}/photos", {"image": handle, "side": side}, format="multipart")


@pytest.fixture(autouse=True)
def bucket(photo_bucket: PhotoBucket) -> PhotoBucket:
    """Each test here stores into its own empty, versioned bucket on the loopback S3 server."""
    return photo_bucket


def test_a_good_photo_is_measured_and_stored_without_metadata(
    owner_client: tuple[APIClient, str], ear_with_card: Image.Image
) -> None:
    client, fitting_id = owner_client
    original = with_gps(ear_with_card)
    response = upload(client, fitting_id, original)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["side"] == "left"
    assert body["scale"] == "mm"
    assert body["quality"]["passed"] is True
    assert set(body["measurements"]) == {
        "ear_length",
        "ear_width",
        "concha_height",
        "concha_width",
        "intertragal_notch_width",
    }
    assert all(m["unit"] == "mm" and m["uncertainty"] > 0 for m in body["measurements"].values())
    assert 40 < body["measurements"]["ear_length"]["value"] < 85
    photo = EarPhoto.objects.get(pk=body["id"])
    assert photo.model_version == ModelVersion.objects.get(active=True)
    assert abs(photo.expires_at - (timezone.now() + timedelta(days=90))) < timedelta(minutes=1)
    stored = photo_object_read(key=photo.storage_key)
    assert stored != original
    assert b"PhoneMaker" not in stored
    assert stored.endswith(b"\xff\xd9")  # nothing after the JPEG's end-of-image marker
    with Image.open(io.BytesIO(stored)) as image:
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
        assert max(image.size) <= 1000


def test_orientation_is_applied_before_measuring(
    owner_client: tuple[APIClient, str], ear_with_card: Image.Image
) -> None:
    client, fitting_id = owner_client
    # Stored sideways with EXIF orientation 6 ("rotate 90° clockwise to view"), as phones do.
    sideways = ear_with_card.transpose(Image.Transpose.ROTATE_90)
    response = upload(client, fitting_id, with_gps(sideways, orientation=6))
    assert response.status_code == 201, response.content
    photo = EarPhoto.objects.get(pk=response.json()["id"])
    assert photo.width > photo.height  # upright again: landscape like the original


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"", "ear.jpg", 400, None),
        (b"%PDF-1.7 not a photo at all" * 10, "ear.jpg", 415, "unsupported_type"),
        (b"GIF89a" + b"\x00" * 200, "ear.gif", 415, "unsupported_type"),
    ],
)
def test_files_that_are_not_photos_are_refused_and_nothing_is_stored(
    bucket: PhotoBucket, owner_client: tuple[APIClient, str], data: bytes, name: str, status: int, code: str | None
) -> None:
    client, fitting_id = owner_client
    response = upload(client, fitting_id, data, name=name)
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    if code:
        assert body["code"] == code
    assert EarPhoto.objects.count() == 0
    assert bucket.versions() == []


def test_a_truncated_photo_is_refused(owner_client: tuple[APIClient, str], ear_with_card: Image.Image) -> None:
    client, fitting_id = owner_client
    data = jpeg_bytes(ear_with_card)
    response = upload(client, fitting_id, data[: len(data) // 3])
    assert response.status_code == 422
    assert response.json()["code"] == "corrupt_image"
    assert EarPhoto.objects.count() == 0


def test_a_photo_over_the_size_limit_is_a_413(owner_client: tuple[APIClient, str], ear_with_card: Image.Image) -> None:
    client, fitting_id = owner_client
    with override_settings(PHOTO_MAX_BYTES=10_000):
        response = upload(client, fitting_id, jpeg_bytes(ear_with_card))
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert EarPhoto.objects.count() == 0


def test_a_decompression_bomb_is_refused_before_decoding(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    buffer = io.BytesIO()
    Image.new("L", (9000, 9000)).save(buffer, "PNG")  # 81 MP of zeros: tiny file, huge image
    response = upload(client, fitting_id, buffer.getvalue(), name="bomb.png")
    assert response.status_code == 413
    assert response.json()["code"] == "too_many_pixels"
    assert EarPhoto.objects.count() == 0


def test_a_wrong_side_is_a_validation_error(owner_client: tuple[APIClient, str], ear_with_card: Image.Image) -> None:
    client, fitting_id = owner_client
    response = upload(client, fitting_id, jpeg_bytes(ear_with_card), side="middle")
    assert response.status_code == 400
    assert "side" in response.json()["extra"]["fields"]
    assert EarPhoto.objects.count() == 0


def test_a_photo_without_an_ear_gets_retake_guidance(
    bucket: PhotoBucket, owner_client: tuple[APIClient, str], no_ear: Image.Image
) -> None:
    response = upload(*owner_client, jpeg_bytes(no_ear))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "photo_quality"
    assert "no_ear" in [reason["code"] for reason in body["extra"]["reasons"]]
    assert body["message"] == body["extra"]["guidance"]
    assert EarPhoto.objects.count() == 0
    assert bucket.versions() == []


def test_a_rejected_photo_gets_one_sentence_on_the_cause_to_fix_first(
    bucket: PhotoBucket, owner_client: tuple[APIClient, str]
) -> None:
    """No ear and no card: one reason to read (the ear), the missing card apart, no codes in words."""
    nothing = render_photo(14, size=(1024, 768), ear=False, card=False).image
    response = upload(*owner_client, jpeg_bytes(nothing))
    assert response.status_code == 422
    body = response.json()
    reasons = body["extra"]["reasons"]
    assert reasons[0]["code"] == "no_ear"
    assert body["message"] == reasons[0]["message"] == body["extra"]["guidance"]
    assert "no_reference_card" not in [reason["code"] for reason in reasons]
    assert [warning["code"] for warning in body["extra"]["warnings"]] == ["no_reference_card"]
    assert "_" not in body["message"]
    assert bucket.versions() == []


def test_retake_advice_puts_the_upstream_cause_first() -> None:
    issues = [
        QualityIssue("blurry", "Blurry.", True),
        QualityIssue("no_reference_card", "No card.", False),
        QualityIssue("ear_too_small", "Move closer.", True),
    ]
    advice = retake_advice(issues)
    assert advice.guidance == "Move closer."
    assert [reason["code"] for reason in advice.reasons] == ["ear_too_small", "blurry"]
    assert advice.warnings == [{"code": "no_reference_card", "message": "No card."}]


def test_a_measured_photo_comes_with_the_legend_of_its_overlay(
    owner_client: tuple[APIClient, str], ear_with_card: Image.Image
) -> None:
    body = upload(*owner_client, jpeg_bytes(ear_with_card)).json()
    legend = {entry["name"]: entry for entry in body["overlay_legend"]}
    assert set(legend) == {*body["measurements"], "card"}
    assert legend["card"]["label"] == "Card outline (the scale)"
    assert legend["ear_length"] == {"name": "ear_length", "label": "Ear length", "colour": "#ff4040"}
    assert len({entry["colour"] for entry in legend.values()}) == len(legend)


def test_without_a_card_measurements_are_relative(
    owner_client: tuple[APIClient, str], ear_without_card: Image.Image
) -> None:
    client, fitting_id = owner_client
    response = upload(client, fitting_id, jpeg_bytes(ear_without_card))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["scale"] == "relative"
    assert "no_reference_card" in [reason["code"] for reason in body["quality"]["reasons"]]
    assert {m["unit"] for m in body["measurements"].values()} == {"ratio"}


def test_a_retake_replaces_the_photo_of_that_side(
    bucket: PhotoBucket,
    owner_client: tuple[APIClient, str],
    ear_with_card: Image.Image,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, fitting_id = owner_client
    first = upload(client, fitting_id, jpeg_bytes(ear_with_card)).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(client, fitting_id, jpeg_bytes(ear_with_card, quality=80)).json()["id"]
    assert first != second
    assert list(EarPhoto.objects.values_list("id", flat=True)) == [uuid.UUID(second)]
    assert [v["Key"] for v in bucket.versions()] == [EarPhoto.objects.get().storage_key]


def test_storage_down_during_upload_is_a_503_and_leaves_no_row(
    s3_stopped: Any, owner_client: tuple[APIClient, str], ear_with_card: Image.Image
) -> None:
    response = upload(*owner_client, jpeg_bytes(ear_with_card))
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["extra"] == {"dependency": "storage"}
    assert int(response["Retry-After"]) > 0
    assert EarPhoto.objects.count() == 0


def test_only_the_owner_uploads_and_sees_the_overlay(
    owner_client: tuple[APIClient, str], create_fitting: Any, ear_with_card: Image.Image
) -> None:
    client, fitting_id = owner_client
    body = upload(client, fitting_id, jpeg_bytes(ear_with_card)).json()
    _, stranger_token = create_fitting()
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {stranger_token}")
    assert upload(stranger, fitting_id, jpeg_bytes(ear_with_card)).status_code == 404
    refused = stranger.get(body["overlay_url"], HTTP_ACCEPT="image/*")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert APIClient().get(body["overlay_url"]).status_code == 404
    overlay = client.get(body["overlay_url"], HTTP_ACCEPT="image/avif,image/webp,image/*,*/*;q=0.8")
    assert overlay.status_code == 200
    assert overlay["Content-Type"] == "image/png"
    assert overlay["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(overlay.content)) as image:
        assert image.size == (EarPhoto.objects.get().width, EarPhoto.objects.get().height)
    assert EarPhoto.objects.count() == 1


def test_measurements_change_the_recommendation(
    owner_client: tuple[APIClient, str], ear_with_card: Image.Image
) -> None:
    from recommendations.catalog.services import product_load_demo_catalog

    product_load_demo_catalog()
    client, fitting_id = owner_client
    before = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    assert before["basis"] == "questionnaire"
    assert before["model_version"] is None
    assert upload(client, fitting_id, jpeg_bytes(ear_with_card)).status_code == 201
    after = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    assert after["basis"] == "measurements"
    assert after["notice"] is None
    assert after["model_version"] == str(ModelVersion.objects.get(active=True))
    assert after["tip_size"]["reason"] != before["tip_size"]["reason"]
    fitting = client.get(f"/api/v1/fittings/{fitting_id}").json()
    assert len(fitting["photos"]) == 1


def test_erasure_deletes_the_photo_objects(
    bucket: PhotoBucket,
    owner_client: tuple[APIClient, str],
    ear_with_card: Image.Image,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, fitting_id = owner_client
    assert upload(client, fitting_id, jpeg_bytes(ear_with_card)).status_code == 201
    assert len(bucket.versions()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    assert EarPhoto.objects.count() == 0
    assert bucket.versions() == []
