"""Bad input is a 4xx in the one error shape, never a 500: request bodies too large, too deep or
with too many parts, and photos of shapes nothing can be measured on."""

import io
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from PIL import Image
from rest_framework.test import APIClient

from inference.postprocess import ear_region
from recommendations.models import EarPhoto
from tests.earfit.test_errors import assert_error_shape
from tests.s3 import PhotoBucket

pytestmark = pytest.mark.django_db


def photo_file(data: bytes, name: str = "ear.jpg") -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def encoded(image: Image.Image, fmt: str = "JPEG", **save: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def post_photo(client: APIClient, fitting_id: str, data: dict[str, Any]) -> Any:
    return client.post(f"/api/v1/fittings/{fitting_id}/photos", data, format="multipart")


def test_deeply_nested_json_is_a_400(api_client: APIClient) -> None:
    body = "[" * 100_000 + "]" * 100_000  # 200 KB: beyond the JSON decoder's recursion limit
    response = api_client.post("/api/v1/fittings", body, content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_ten_megabytes_of_json_is_a_413(api_client: APIClient) -> None:
    body = '{"answers": "' + "a" * 10_000_000 + '"}'
    response = api_client.post("/api/v1/fittings", body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")


def test_a_body_larger_than_any_request_earfit_takes_is_refused_unread(api_client: APIClient) -> None:
    body = b"\0" * (settings.REQUEST_MAX_BYTES + 1)
    response = api_client.generic("POST", "/api/v1/fittings", body, content_type="application/json")
    assert_error_shape(response, 413, "request_too_large")


def test_a_form_with_1101_fields_is_a_400(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    response = post_photo(client, fitting_id, {f"field{i}": "x" for i in range(1101)})
    assert_error_shape(response, 400, "too_many_fields")


def test_121_files_in_one_request_is_a_400(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    files = {f"image{i}": photo_file(b"\xff\xd8\xff", f"ear{i}.jpg") for i in range(121)}
    response = post_photo(client, fitting_id, files)
    assert_error_shape(response, 400, "too_many_files")
    assert EarPhoto.objects.count() == 0


def test_a_3_mb_text_field_beside_the_photo_is_a_413(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    photo = photo_file(encoded(Image.new("RGB", (64, 64))))
    response = post_photo(client, fitting_id, {"image": photo, "side": "left", "note": "a" * 3_000_000})
    assert_error_shape(response, 413, "request_too_large")
    assert EarPhoto.objects.count() == 0


def test_a_photo_larger_than_the_form_field_cap_still_reaches_the_photo_checks(
    owner_client: tuple[APIClient, str], photo_bucket: PhotoBucket
) -> None:
    """The 2.5 MB cap is on form fields; the photo's file part may be up to PHOTO_MAX_BYTES."""
    client, fitting_id = owner_client
    noise = np.random.default_rng(0).integers(0, 255, (1600, 2000, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), quality=95)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE < len(data) < settings.PHOTO_MAX_BYTES
    response = post_photo(client, fitting_id, {"image": photo_file(data), "side": "left"})
    # Decoded and measured: noise has no ear, so the quality gate answers, not a size limit.
    assert_error_shape(response, 422, "photo_quality")


@pytest.mark.parametrize(
    ("size", "fmt"),
    [((20_000, 1), "JPEG"), ((1, 20_000), "PNG"), ((4000, 10), "JPEG"), ((8, 8), "PNG"), ((2, 3), "WEBP")],
)
def test_a_photo_of_a_degenerate_shape_is_a_422(
    owner_client: tuple[APIClient, str], photo_bucket: PhotoBucket, size: tuple[int, int], fmt: str
) -> None:
    client, fitting_id = owner_client
    data = encoded(Image.new("RGB", size, (200, 160, 140)), fmt)
    response = post_photo(client, fitting_id, {"image": photo_file(data, f"ear.{fmt.lower()}"), "side": "left"})
    assert_error_shape(response, 422, "bad_dimensions")
    assert EarPhoto.objects.count() == 0
    assert photo_bucket.versions() == []


def test_landmarks_outside_a_thin_picture_still_give_a_region_with_area() -> None:
    """The measuring code's box is clamped into the picture and never empty (it divides by it)."""
    thin = Image.new("RGB", (500, 1), (128, 128, 128))
    points = np.array([[100.0, 3.0], [180.0, 9.0], [140.0, 40.0]])  # all below the one pixel row
    region = ear_region(thin, points)
    assert region.size[0] >= 8
    assert region.size[1] == 96
