"""The hostile-upload corpus, generated (never downloaded, never committed as files).

Each entry is a file an attacker or a broken client might post as an ear photo, with the name and
content type it is sent under and the answer earfit must give: a 4xx in the one error shape with
this code. Used by tests/recommendations/photos/test_hostile_uploads.py and by the worker-memory
benchmark (bench/worker_rss.py), so both run the same files.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

MB = 1024 * 1024


@dataclass(frozen=True)
class HostileUpload:
    name: str  # what it is, as the test id
    filename: str
    content_type: str
    status: int
    code: str
    make: Callable[[], bytes]

    @property
    def data(self) -> bytes:
        """Made once per process (the bombs take a second or two to compress)."""
        if self.name not in _MADE:
            _MADE[self.name] = self.make()
        return _MADE[self.name]


_MADE: dict[str, bytes] = {}


def _encode(image: Image.Image, fmt: str, **save: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def _photo_jpeg() -> bytes:
    """An ordinary-looking JPEG: noise at 640 x 480 (enough structure to be a real file)."""
    rng = np.random.default_rng(7)
    small = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    return _encode(Image.fromarray(small).resize((640, 480), Image.Resampling.BILINEAR), "JPEG", quality=85)


def _photo_png() -> bytes:
    rng = np.random.default_rng(8)
    return _encode(Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)), "PNG")


def _png_chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body) & 0xFFFFFFFF)


def _png_bomb(width: int, height: int, *, depth: int, colour: int, channels: int) -> bytes:
    """A valid PNG of zeros: the whole image compressed, a few hundred KB for hundreds of MB."""
    row = b"\x00" * (1 + width * channels * depth // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def _webp_bomb() -> bytes:
    """7000 x 7000 lossless WebP: 49 MP (under the pixel limit), 196 MB of RGBA, a few bytes."""
    return _encode(Image.new("RGB", (7000, 7000), (200, 150, 120)), "WEBP", lossless=True, method=0)


def _gif_bomb() -> bytes:
    """A GIF whose screen is 65535 x 65535: GIF is not an allowed format at all."""
    header = b"GIF89a" + struct.pack("<HH", 65535, 65535) + b"\x00\x00\x00"
    image = b"\x2c" + struct.pack("<HHHH", 0, 0, 65535, 65535) + b"\x00" + b"\x02\x02\x44\x01\x00"
    return header + image + b"\x3b"


def _jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG with its frame header rewritten to claim another size."""
    data = bytearray(_photo_jpeg())
    sof = next(i for i in range(2, len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _zip_polyglot() -> bytes:
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.sh", "#!/bin/sh\necho owned\n")
    return _photo_jpeg() + archive.getvalue()


SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>'
)
HTML = b"<!doctype html><html><body><script>fetch('/api/v1/fittings')</script></body></html>"


def hostile_corpus() -> list[HostileUpload]:
    jpeg, png = "image/jpeg", "image/png"
    return [
        HostileUpload("png_bomb_81mp", "bomb.png", png, 413, "too_many_pixels", lambda: _png_bomb(9000, 9000, depth=8, colour=0, channels=1)),
        HostileUpload("png_bomb_rgba16_36mp", "bomb16.png", png, 413, "too_many_pixels", lambda: _png_bomb(6000, 6000, depth=16, colour=6, channels=4)),
        HostileUpload("png_bomb_rgba_36mp", "rgba.png", png, 413, "too_many_pixels", lambda: _png_bomb(6000, 6000, depth=8, colour=6, channels=4)),
        # Just within the decode budget (48 MiB): decoded, the worst any file may cost; blank, so refused by the quality gate.
        HostileUpload("png_rgba_within_the_budget", "full.png", png, 422, "photo_quality", lambda: _png_bomb(3500, 3500, depth=8, colour=6, channels=4)),
        HostileUpload("png_grey16_within_the_budget", "grey16.png", png, 422, "photo_quality", lambda: _png_bomb(5000, 5000, depth=16, colour=0, channels=1)),
        HostileUpload("webp_lossless_bomb_49mp", "bomb.webp", "image/webp", 413, "too_many_pixels", _webp_bomb),
        HostileUpload("gif_bomb", "bomb.gif", "image/gif", 415, "unsupported_type", _gif_bomb),
        HostileUpload("jpeg_claiming_65535_square", "huge.jpg", jpeg, 413, "too_many_pixels", lambda: _jpeg_claiming(65535, 65535)),
        HostileUpload("jpeg_20000_by_1", "strip.jpg", jpeg, 422, "bad_dimensions", lambda: _encode(Image.new("RGB", (20000, 1)), "JPEG")),
        HostileUpload("png_1_by_1", "dot.png", png, 422, "bad_dimensions", lambda: _encode(Image.new("RGB", (1, 1)), "PNG")),
        HostileUpload("jpeg_truncated", "cut.jpg", jpeg, 422, "corrupt_image", lambda: _photo_jpeg()[:4000]),
        HostileUpload("png_truncated", "cut.png", png, 422, "corrupt_image", lambda: _photo_png()[:-40]),
        HostileUpload("webp_truncated", "cut.webp", "image/webp", 422, "corrupt_image", lambda: _encode(Image.new("RGB", (300, 200), (9, 9, 9)), "WEBP")[:-20]),
        HostileUpload("jpeg_plus_zip", "ear.jpg", jpeg, 422, "polyglot", _zip_polyglot),
        HostileUpload("jpeg_plus_php", "ear.jpg", jpeg, 422, "polyglot", lambda: _photo_jpeg() + b"<?php system($_GET['c']); ?>"),
        HostileUpload("png_plus_html", "ear.png", png, 422, "polyglot", lambda: _photo_png() + HTML),
        HostileUpload("jpeg_with_pdf_comment", "ear.jpg", jpeg, 422, "polyglot", lambda: _encode(Image.new("RGB", (64, 64)), "JPEG", comment=b"%PDF-1.7 1 0 obj")),
        HostileUpload("svg_as_jpeg", "ear.jpg", jpeg, 415, "unsupported_type", lambda: SVG),
        HostileUpload("html_as_jpeg", "ear.jpg", jpeg, 415, "unsupported_type", lambda: HTML),
        HostileUpload("elf_as_heic", "ear.heic", "image/heic", 415, "unsupported_type", lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 120),
        HostileUpload("text_as_png", "ear.png", png, 415, "unsupported_type", lambda: b"just some words, not a picture\n" * 10),
        HostileUpload("zero_bytes", "ear.jpg", jpeg, 400, "invalid", lambda: b""),
        HostileUpload("noise_50_mb", "ear.jpg", jpeg, 413, "request_too_large", lambda: np.random.default_rng(1).bytes(50 * MB)),
        HostileUpload("noise_behind_jpeg_magic_3_mb", "ear.jpg", jpeg, 422, "corrupt_image", lambda: b"\xff\xd8\xff\xe0" + np.random.default_rng(2).bytes(3 * MB)),
    ]  # fmt: skip
