"""The decode memory budget: judged on the header (width x height x bytes per pixel of the decoded
mode, at JPEG's draft scale) before any decoder allocates, for every allowed format."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any
from unittest import mock

import numpy as np
import pytest
from PIL import Image

from inference.errors import PhotoRejected
from inference.filetype import inspect_file
from inference.preprocess import DEFAULT_MAX_DECODED_BYTES, decode_photo, decoded_bytes, jpeg_draft_scale
from tests.inference.conftest import jpeg_bytes, noisy_image, png_chunk

LIMITS: dict[str, Any] = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 50_000_000, "target_long_side": 500}


def png_header_only(width: int, height: int, *, depth: int, colour: int) -> bytes:
    """A PNG whose header claims the size; the pixel data is a token (never reached)."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def lossless_webp_7000() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (7000, 7000), (200, 150, 120)).save(buffer, "WEBP", lossless=True, method=0)
    return buffer.getvalue()


def refused_before_decoding(data: bytes, **limits: Any) -> PhotoRejected:
    """The rejection, with Pillow never asked to open the file (so nothing was allocated)."""
    never = mock.patch.object(Image, "open", side_effect=AssertionError("decoder reached"))
    with never, pytest.raises(PhotoRejected) as caught:
        decode_photo(data, **{**LIMITS, **limits})
    return caught.value


def test_a_7000_by_7000_lossless_webp_of_a_few_bytes_is_refused_on_its_header(lossless_webp_7000: bytes) -> None:
    assert len(lossless_webp_7000) < 2000
    info = inspect_file(lossless_webp_7000)
    assert info.width * info.height < LIMITS["max_pixels"]  # the pixel limit alone let it through
    assert decoded_bytes(info, 500) == 7000 * 7000 * 4
    rejection = refused_before_decoding(lossless_webp_7000)
    assert rejection.code == "too_many_pixels"
    assert rejection.status == 413


@pytest.mark.parametrize(
    ("depth", "colour", "bytes_per_pixel"),
    [(8, 0, 1), (16, 0, 2), (8, 2, 3), (16, 2, 6), (8, 4, 2), (8, 6, 4), (16, 6, 8), (8, 3, 4)],
)
def test_png_bytes_per_pixel_count_channels_alpha_and_bit_depth(depth: int, colour: int, bytes_per_pixel: int) -> None:
    assert inspect_file(png_header_only(100, 100, depth=depth, colour=colour)).bytes_per_pixel == bytes_per_pixel


@pytest.mark.parametrize(("depth", "colour"), [(16, 6), (8, 6), (16, 2)])
def test_16_bit_and_rgba_pngs_over_the_budget_are_refused_on_their_header(depth: int, colour: int) -> None:
    data = png_header_only(6000, 6000, depth=depth, colour=colour)  # 36 MP: under the pixel limit
    assert refused_before_decoding(data).code == "too_many_pixels"


def test_the_same_size_in_8_bit_grey_is_within_the_budget() -> None:
    """36 MP of 8-bit grey is 36 MB: past the budget, to the decoder (which finds the data short)."""
    with pytest.raises(PhotoRejected) as caught:
        decode_photo(png_header_only(6000, 6000, depth=8, colour=0), **LIMITS)
    assert caught.value.code == "corrupt_image"


def test_the_budget_is_a_parameter() -> None:
    buffer = io.BytesIO()
    noisy_image((200, 100)).save(buffer, "PNG")
    data = buffer.getvalue()
    assert decode_photo(data, **LIMITS, max_decoded_bytes=200 * 100 * 3).image.size == (200, 100)
    assert refused_before_decoding(data, max_decoded_bytes=200 * 100 * 3 - 1).code == "too_many_pixels"


def test_a_large_jpeg_is_judged_at_the_draft_scale_it_decodes_at() -> None:
    data = jpeg_bytes(noisy_image((6000, 4000)), quality=70)  # 24 MP: 72 MB at full scale
    info = inspect_file(data)
    assert info.bytes_per_pixel == 3
    assert decoded_bytes(info, 500) == 750 * 500 * 3  # decoded at 1/8
    assert decode_photo(data, **LIMITS, max_decoded_bytes=2_000_000).decoded_size == (750, 500)


def test_a_cmyk_jpeg_counts_four_bytes_a_pixel() -> None:
    assert inspect_file(jpeg_bytes(Image.new("CMYK", (64, 48)))).bytes_per_pixel == 4
    assert inspect_file(jpeg_bytes(Image.new("L", (64, 48)))).bytes_per_pixel == 1


@pytest.mark.parametrize("size", [(4032, 3024), (3024, 4032), (1000, 999), (600, 500), (6000, 750), (499, 300)])
def test_the_draft_scale_is_the_one_pillow_picks(size: tuple[int, int]) -> None:
    with Image.open(io.BytesIO(jpeg_bytes(Image.new("RGB", size)))) as image:
        factor = 500 / max(size)
        if factor < 1:
            image.draft("RGB", (-(-size[0] * 500 // max(size)), -(-size[1] * 500 // max(size))))
        scale = jpeg_draft_scale(size, 500)
        assert image.size == (-(-size[0] // scale), -(-size[1] // scale))


def test_the_default_budget_admits_a_12_megapixel_photo_with_alpha_and_not_at_16_bits() -> None:
    assert decoded_bytes(inspect_file(png_header_only(4000, 3000, depth=8, colour=6)), 500) <= DEFAULT_MAX_DECODED_BYTES
    assert decoded_bytes(inspect_file(png_header_only(4000, 3000, depth=16, colour=6)), 500) > DEFAULT_MAX_DECODED_BYTES


def test_a_large_16_bit_grey_png_is_shrunk_before_it_is_converted() -> None:
    """Within the budget, a 16-bit grey picture is shrunk in its own mode, then scaled to 8 bits."""
    image = Image.fromarray(np.full((2000, 3000), 40000, dtype=np.uint16))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    decoded = decode_photo(buffer.getvalue(), **LIMITS)
    assert decoded.image.mode == "RGB"
    assert decoded.image.size == (500, 333)
    assert decoded.image.getpixel((10, 10)) == (255, 255, 255)  # the peak scales to white
