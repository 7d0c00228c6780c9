"""Photo bytes → a validated, upright, reduced RGB image; and the metadata-free re-encode to store.

``decode_photo`` checks, in this order, and stops at the first failure: empty file, byte size,
real type by magic bytes, container structure (truncation, polyglot), pixel count read from the
header, a shape an ear photo can have (not a 20000 x 1 strip), the memory the decoder will
allocate (width x height x bytes per pixel of the decoded mode, at the scale it will decode at),
and only then decodes — for JPEG in draft mode, so a 12 MP photo is decoded by the IDCT at
1/2, 1/4 or 1/8 scale instead of at full resolution. The pixel limit is our own check on the
header, so Pillow's process-wide ``MAX_IMAGE_PIXELS`` is never changed and its decompression-bomb
warning is never reached (our limit must stay below it; ``decode_photo`` refuses a higher one).
"""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFile

from inference.errors import PhotoRejected
from inference.filetype import FileInfo, inspect_file
from inference.registry import ModelSpec
from inference.tensors import crop_to_square, full_frame_box, normalise

# The limits (bytes, pixels, the long side to decode to) are the caller's settings, passed in:
# the Django side's are PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS and PHOTO_STORED_LONG_SIDE.
# Draft mode stops at the coarsest power-of-two reduction that is still at least the target: a
# 4032 px photo comes out 504 px for a 500 px target. Resampling by under an eighth would cost a
# whole filter pass and soften the pixels for nothing, so an image at most this factor over the
# target is kept as decoded.
RESAMPLE_SLACK = 1.125
# The decoded image's memory budget when the caller names none (the Django side's is
# PHOTO_DECODE_MAX_BYTES): a 12 MP photo with alpha (48 MB) fits, a 7000 x 7000 lossless WebP
# (196 MB of RGBA from a few bytes) does not. Decoding holds about twice this at most (an RGBA
# image is premultiplied to be shrunk); `make bench-rss` measures the worker with files at the edge.
DEFAULT_MAX_DECODED_BYTES = 48 * 1024 * 1024
# A photo of an ear is neither a strip nor a speck: below this short side or beyond this aspect
# ratio there is nothing to measure, and the measuring code's boxes would have no area.
MIN_SHORT_SIDE = 16
MAX_ASPECT_RATIO = 8.0
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}

_heif_lock = threading.Lock()
_heif_registered = False


def _register_heif() -> None:
    """Teach Pillow HEIC once, on first use rather than at import (it edits Pillow's registry)."""
    global _heif_registered
    with _heif_lock:
        if not _heif_registered:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_registered = True


@dataclass(frozen=True)
class DecodedPhoto:
    image: Image.Image  # RGB, upright, long side <= target_long_side x RESAMPLE_SLACK
    format: str  # "jpeg" | "png" | "webp" | "heic"
    original_size: tuple[int, int]  # upright size of the photo as the camera took it
    decoded_size: tuple[int, int]  # size the decoder produced (smaller with JPEG draft mode)
    orientation: int  # EXIF orientation tag that was applied (1 = none)


def decode_photo(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    target_long_side: int,
    max_decoded_bytes: int = DEFAULT_MAX_DECODED_BYTES,
) -> DecodedPhoto:
    """Validate and decode an uploaded photo; raises ``PhotoRejected`` with a code for the shopper."""
    if Image.MAX_IMAGE_PIXELS is not None and max_pixels > Image.MAX_IMAGE_PIXELS:
        raise ValueError("max_pixels must stay below Pillow's decompression-bomb threshold")
    if not data:
        raise PhotoRejected("empty_file")
    if len(data) > max_bytes:
        raise PhotoRejected("file_too_large", detail=f"{len(data)} bytes > {max_bytes}")
    info = inspect_file(data)  # magic bytes, then structure: unsupported_type, corrupt_image, polyglot
    if info.width * info.height > max_pixels:
        raise PhotoRejected("too_many_pixels", detail=f"{info.width}x{info.height} > {max_pixels} pixels")
    short, long = sorted((info.width, info.height))
    if short < MIN_SHORT_SIDE or long > short * MAX_ASPECT_RATIO:
        raise PhotoRejected("bad_dimensions", detail=f"{info.width}x{info.height}")
    needed = decoded_bytes(info, target_long_side)
    if needed > max_decoded_bytes:
        raise PhotoRejected("too_many_pixels", detail=f"decoding needs {needed} bytes > {max_decoded_bytes}")
    if info.kind == "heic":
        _register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=[PIL_FORMATS[info.kind]]) as im:
            if im.size[0] * im.size[1] > max_pixels:  # header read by Pillow disagrees with ours
                raise PhotoRejected("too_many_pixels", detail=f"{im.size} > {max_pixels} pixels")
            orientation = int(im.getexif().get(0x0112, 1) or 1)
            if info.kind == "jpeg":
                factor = target_long_side / max(im.size)
                if factor < 1:
                    im.draft("RGB", (math.ceil(im.size[0] * factor), math.ceil(im.size[1] * factor)))
            # A truncated file must fail here, not be padded with grey by a lenient global setting.
            if ImageFile.LOAD_TRUNCATED_IMAGES:
                raise RuntimeError("ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
            im.load()
            decoded_size = im.size
            # Shrink first, in the decoded mode, then flatten to RGB and turn upright: the
            # conversions and the transpose then move a fraction of the pixels, and no full-size
            # copy is made beside the decoded image (a 16-bit or RGBA PNG once took three).
            # Palette images are expanded first: Pillow shrinks them pixel by pixel only.
            small = _to_rgb(im) if im.mode in ("P", "PA", "1") else im
            scale = target_long_side / max(small.size)
            if scale * RESAMPLE_SLACK < 1:
                size = (max(1, round(small.size[0] * scale)), max(1, round(small.size[1] * scale)))
                # Area-aware when shrinking (a box reduction first); Pillow has none for 16-bit grey.
                gap = None if small.mode.startswith("I;16") else 2.0
                small = small.resize(size, Image.Resampling.BILINEAR, reducing_gap=gap)
            rgb = _upright(_to_rgb(small), orientation)
    except PhotoRejected:
        raise
    except Image.DecompressionBombError as exc:
        raise PhotoRejected("too_many_pixels", detail=str(exc)) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise PhotoRejected("corrupt_image", detail=f"{type(exc).__name__}: {exc}") from exc
    swapped = orientation in (5, 6, 7, 8)
    original = (info.height, info.width) if swapped else (info.width, info.height)
    return DecodedPhoto(rgb, info.kind, original, decoded_size, orientation)


def jpeg_draft_scale(size: tuple[int, int], target_long_side: int) -> int:
    """The reduction (1, 2, 4 or 8) Pillow's JPEG draft mode picks for ``decode_photo``'s request:
    the same arithmetic as ``JpegImageFile.draft``, so the budget is checked on what is decoded."""
    factor = target_long_side / max(size)
    if factor >= 1:
        return 1
    wanted = (math.ceil(size[0] * factor), math.ceil(size[1] * factor))
    scale = min(size[0] // wanted[0], size[1] // wanted[1])
    return next(reduction for reduction in (8, 4, 2, 1) if scale >= reduction)


def decoded_bytes(info: FileInfo, target_long_side: int) -> int:
    """Bytes of the image the decoder allocates, from the header alone."""
    width, height = info.width, info.height
    if info.kind == "jpeg":
        scale = jpeg_draft_scale((width, height), target_long_side)
        width, height = math.ceil(width / scale), math.ceil(height / scale)
    return width * height * info.bytes_per_pixel


_TRANSPOSE = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    """Apply the EXIF orientation (the same table as ``ImageOps.exif_transpose``)."""
    for method in _TRANSPOSE.get(orientation, ()):
        image = image.transpose(method)
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Onto white through the alpha as a mask: one RGB canvas beside the decoded image, where
        # compositing two RGBA images would hold three full copies at once.
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(image)
        peak = max(float(arr.max()), 1.0)
        # float32: 4 bytes a pixel where float64 took 8 (a 16-bit photo was the worst case).
        grey = (np.clip(arr, 0, None).astype(np.float32) * np.float32(255.0 / peak)).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    return image.convert("RGB")


def reencode_for_storage(image: Image.Image, *, quality: int = 85) -> bytes:
    """A fresh JPEG of the pixels only: no EXIF/GPS, no ICC profile, no comments, no trailer.

    The pixels are copied into a new image so nothing in ``image.info`` can ride along.
    """
    clean = Image.new("RGB", image.size)
    clean.paste(image.convert("RGB"))
    buf = io.BytesIO()
    clean.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def to_model_input(image: Image.Image, spec: ModelSpec) -> npt.NDArray[np.float32]:
    """The letterboxed full frame as the model's input tensor ``(1, 3, S, S)``."""
    box = full_frame_box(image.size[0], image.size[1], spec.input_size)
    pixels = np.asarray(crop_to_square(image, box), dtype=np.uint8)
    return normalise(pixels, spec.mean, spec.std)
