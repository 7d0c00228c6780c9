from __future__ import annotations

import io
import warnings
import zlib

import numpy as np
import pytest
from django.conf import settings
from PIL import Image

from inference.errors import PhotoRejected
from inference.filetype import inspect_file
from inference.preprocess import DecodedPhoto, decode_photo, reencode_for_storage, to_model_input
from inference.registry import ModelSpec
from tests.inference.conftest import jpeg_bytes, noisy_image, png_with_header


def decode(data: bytes, **limits: int) -> DecodedPhoto:
    """`decode_photo` with the service's limits (settings), or the ones a test names."""
    return decode_photo(
        data,
        **{
            "max_bytes": settings.PHOTO_MAX_BYTES,
            "max_pixels": settings.PHOTO_MAX_PIXELS,
            "target_long_side": settings.PHOTO_STORED_LONG_SIDE,
            **limits,
        },
    )


def rejected_code(data: bytes, **kwargs: int) -> str:
    with pytest.raises(PhotoRejected) as exc:
        decode(data, **kwargs)
    assert exc.value.message.endswith(".")
    assert exc.value.status in (400, 413, 415, 422)
    return exc.value.code


def test_empty_file_is_rejected() -> None:
    assert rejected_code(b"") == "empty_file"


def test_file_over_the_byte_limit_is_rejected(small_jpeg: bytes) -> None:
    assert rejected_code(small_jpeg, max_bytes=len(small_jpeg) - 1) == "file_too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a" + b"\x00" * 64,  # a GIF, even when uploaded as photo.jpg
        b"<html><body>not a photo</body></html>",
        b"%PDF-1.7\n" + b"0" * 64,
        b"\x00\x00\x00\x18ftypavif" + b"\x00" * 32,  # AVIF is not on the allow-list
    ],
)
def test_wrong_type_by_magic_bytes_is_unsupported(data: bytes) -> None:
    assert rejected_code(data) == "unsupported_type"


def test_truncated_jpeg_is_corrupt(small_jpeg: bytes) -> None:
    assert rejected_code(small_jpeg[: len(small_jpeg) // 2]) == "corrupt_image"


def test_png_with_a_flipped_byte_is_corrupt() -> None:
    buf = io.BytesIO()
    noisy_image((64, 64)).save(buf, "PNG")
    data = bytearray(buf.getvalue())
    data[60] ^= 0xFF  # inside IDAT: its CRC no longer matches
    assert rejected_code(bytes(data)) == "corrupt_image"


def test_png_with_valid_chunks_but_undecodable_pixels_is_corrupt() -> None:
    data = png_with_header(64, 64, zlib.compress(b"\x00" * 10))  # far too few pixel bytes
    assert rejected_code(data) == "corrupt_image"


def test_decompression_bomb_is_an_error_not_a_warning() -> None:
    bomb = png_with_header(20_000, 20_000, zlib.compress(b"\x00" * 1000))  # 400 MP header, tiny file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert rejected_code(bomb) == "too_many_pixels"
    assert not [w for w in caught if issubclass(w.category, Image.DecompressionBombWarning)]


def test_pixel_limit_is_a_parameter(small_jpeg: bytes) -> None:
    assert rejected_code(small_jpeg, max_pixels=320 * 240 - 1) == "too_many_pixels"
    assert decode(small_jpeg, max_pixels=320 * 240).original_size == (320, 240)


@pytest.mark.parametrize(
    "trailer",
    [
        b"PK\x03\x04" + b"\x00" * 40 + b"PK\x05\x06" + b"\x00" * 18,  # an appended ZIP
        b"<script>alert(1)</script>",
        b"#!/bin/sh\nrm -rf /\n",
    ],
)
def test_jpeg_with_appended_data_is_a_polyglot(small_jpeg: bytes, trailer: bytes) -> None:
    assert rejected_code(small_jpeg + trailer) == "polyglot"


def test_png_with_data_after_iend_is_a_polyglot() -> None:
    buf = io.BytesIO()
    noisy_image((32, 32)).save(buf, "PNG")
    assert rejected_code(buf.getvalue() + b"<?php echo 1; ?>") == "polyglot"


def test_pdf_hidden_in_a_jpeg_comment_is_a_polyglot() -> None:
    data = jpeg_bytes(noisy_image((64, 64)), comment=b"%PDF-1.4 1 0 obj")
    assert rejected_code(data) == "polyglot"


def test_jpeg_followed_by_a_second_jpeg_is_accepted_as_multi_picture(small_jpeg: bytes) -> None:
    preview = jpeg_bytes(noisy_image((80, 60), seed=3))
    assert decode(small_jpeg + preview).original_size == (320, 240)


def test_heic_is_accepted() -> None:
    import pillow_heif

    heif = pillow_heif.from_pillow(noisy_image((256, 192)))
    buf = io.BytesIO()
    heif.save(buf, quality=80)
    decoded = decode(buf.getvalue())
    assert decoded.format == "heic"
    assert decoded.image.size == (256, 192)


def test_webp_and_png_are_accepted() -> None:
    for fmt in ("WEBP", "PNG"):
        buf = io.BytesIO()
        noisy_image((200, 100)).save(buf, fmt)
        assert decode(buf.getvalue()).image.size == (200, 100)


def test_png_with_alpha_is_flattened_to_rgb() -> None:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(buf, "PNG")
    decoded = decode(buf.getvalue())
    assert decoded.image.mode == "RGB"
    assert decoded.image.getpixel((5, 5)) == (255, 255, 255)


def test_exif_orientation_is_applied() -> None:
    stored = Image.new("RGB", (400, 200), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 200, 200))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    decoded = decode(jpeg_bytes(stored, exif=exif.tobytes(), quality=95))
    assert decoded.orientation == 6
    assert decoded.image.size == (200, 400)
    assert decoded.original_size == (200, 400)
    top = decoded.image.getpixel((100, 50))
    bottom = decoded.image.getpixel((100, 350))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 200
    assert top[2] < 60
    assert bottom[2] > 200
    assert bottom[0] < 60


def test_big_jpeg_is_decoded_in_draft_mode_at_reduced_scale() -> None:
    data = jpeg_bytes(noisy_image((4000, 3000)), quality=80)
    decoded = decode(data, target_long_side=1000)
    assert decoded.original_size == (4000, 3000)
    assert decoded.decoded_size == (1000, 750)  # the IDCT ran at 1/4 scale
    assert decoded.image.size == (1000, 750)


def test_draft_output_just_over_the_target_is_kept_without_resampling() -> None:
    """4032 px at 1/4 is 1008 px: within RESAMPLE_SLACK of 1000, so no filter pass runs."""
    data = jpeg_bytes(noisy_image((4032, 3024)), quality=80)
    decoded = decode(data, target_long_side=1000)
    assert decoded.decoded_size == (1008, 756)
    assert decoded.image.size == (1008, 756)


def test_image_well_over_the_target_is_resized_to_it() -> None:
    buf = io.BytesIO()
    noisy_image((1600, 1200)).save(buf, "PNG")  # PNG has no draft mode: decoded at full size
    decoded = decode(buf.getvalue(), target_long_side=1000)
    assert decoded.decoded_size == (1600, 1200)
    assert decoded.image.size == (1000, 750)


def test_reencode_for_storage_drops_exif_gps_icc_comments_and_trailers() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}  # GPS IFD
    icc = b"\x00" * 128  # any ICC payload must not survive
    data = jpeg_bytes(noisy_image((640, 480)), exif=exif.tobytes(), icc_profile=icc, comment=b"Jane's ear")
    assert b"PhoneMaker" in data
    stored = reencode_for_storage(decode(data).image)
    with Image.open(io.BytesIO(stored)) as im:
        assert len(im.getexif()) == 0
        assert "icc_profile" not in im.info
        assert "comment" not in im.info
        assert "exif" not in im.info
    assert b"PhoneMaker" not in stored
    assert b"Jane" not in stored
    assert b"Exif" not in stored
    info = inspect_file(stored)  # walks to the end-of-image marker; rejects any trailer
    assert (info.width, info.height) == (500, 375)  # shrunk to PHOTO_STORED_LONG_SIDE, nothing else changed
    assert stored.endswith(b"\xff\xd9")


def test_model_input_is_letterboxed_and_normalised(spec: ModelSpec) -> None:
    tensor = to_model_input(Image.new("RGB", (400, 200), (255, 255, 255)), spec)
    s = spec.input_size
    assert tensor.shape == (1, 3, s, s)
    assert tensor.dtype == np.float32
    white = (1.0 - spec.mean[0]) / spec.std[0]
    assert tensor[0, 0, s // 2, s // 2] == pytest.approx(white)
    assert tensor[0, 0, 2, s // 2] != pytest.approx(white)  # grey padding above the wide image
