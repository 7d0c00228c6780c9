"""Section 1 of `make bench`: the floor of a photo and earfit's in-process photo path, per format.

floor = the decode at the smallest scale the model's input allows (JPEG: the 1/8-scale DCT decode;
PNG and HEIC: the full decode, which they cannot avoid) + one inference of the shipped model on a
ready tensor, each timed alone. in-process = `photo_measure` (validation, decode, quality gate,
inference, re-encode for storage), no HTTP. Needs Django set up (the harness does it).
"""

from __future__ import annotations

import io
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from bench.photo_decode import make_phone_photo
from inference.preprocess import _register_heif, to_model_input
from inference.registry import default_spec
from inference.session import get_session
from recommendations.measuring.analysis import photo_measure

CLIENT_LONG_SIDE = 1280  # frontend/src/lib/prepare-photo.ts: MAX_LONG_SIDE
CLIENT_QUALITY = 90  # ... JPEG_QUALITY 0.9


def upright_scene(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as im:
        return im.convert("RGB").transpose(Image.Transpose.ROTATE_270)  # EXIF orientation 6 applied


def photos(scale: int = 1) -> dict[str, tuple[bytes, str]]:
    """The same scene as the phone's JPEG (4032x3024, orientation 6, GPS), a PNG, a HEIC, and the
    client's downscale (1280 px long side, JPEG quality 0.9, no metadata, as a canvas writes it).
    name -> (bytes, content type); `scale` > 1 divides each side (smoke runs)."""
    jpeg = make_phone_photo(scale=scale)
    scene = upright_scene(jpeg)
    out: dict[str, tuple[bytes, str]] = {"jpeg_12mp": (jpeg, "image/jpeg")}
    # A PNG of a 12 MP photo with sensor grain is ~25 MB, over the upload limit; the phone's PNG
    # (a screenshot-like save) is the same scene at 3024x2268 (7 MP), under it.
    png = io.BytesIO()
    scene.resize((scene.size[0] * 3 // 4, scene.size[1] * 3 // 4), Image.Resampling.BILINEAR).save(png, "PNG")
    out["png_7mp"] = (png.getvalue(), "image/png")
    _register_heif()
    heic = io.BytesIO()
    scene.save(heic, "HEIF", quality=80)
    out["heic_12mp"] = (heic.getvalue(), "image/heic")
    client = io.BytesIO()
    factor = CLIENT_LONG_SIDE / max(scene.size)
    scene.resize((round(scene.size[0] * factor), round(scene.size[1] * factor)), Image.Resampling.BILINEAR).save(
        client, "JPEG", quality=CLIENT_QUALITY
    )
    out["client_1280"] = (client.getvalue(), "image/jpeg")
    return out


def floor_decode(data: bytes) -> Image.Image:
    """The least decode the model allows: JPEG by the DCT at the coarsest scale still >= the input."""
    side = default_spec().input_size
    with Image.open(io.BytesIO(data)) as im:
        if im.format == "JPEG":
            factor = max(side / min(im.size), 1 / 8)
            im.draft("RGB", (math.ceil(im.size[0] * factor), math.ceil(im.size[1] * factor)))
        im.load()
        return im.convert("RGB")


def inference_once(tensor: Any) -> object:
    spec = default_spec()
    return get_session(spec).run(list(spec.output_names), {spec.input_name: tensor})


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, p95) in ms over `runs` calls, after one warm-up."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def measure(runs: int, images: dict[str, tuple[bytes, str]]) -> dict[str, Any]:
    spec = default_spec()
    tensor = to_model_input(floor_decode(images["jpeg_12mp"][0]), spec)
    inference_ms, _ = median_ms(lambda: inference_once(tensor), runs)
    out: dict[str, Any] = {"model": spec.label, "inference_ms": round(inference_ms, 2), "formats": {}}
    for name, (data, _) in images.items():
        decode_ms, _ = median_ms(lambda data=data: floor_decode(data), runs)  # type: ignore[misc]
        measured = photo_measure(data, spec=spec)
        in_ms, in_p95 = median_ms(lambda data=data: photo_measure(data, spec=spec), runs)  # type: ignore[misc]
        floor_ms = decode_ms + inference_ms
        out["formats"][name] = {
            "bytes": len(data),
            "passed_gate": measured.passed,
            "floor_decode_ms": round(decode_ms, 2),
            "floor_ms": round(floor_ms, 2),
            "in_process_p50_ms": round(in_ms, 2),
            "in_process_p95_ms": round(in_p95, 2),
            "in_process_over_floor": round(in_ms / floor_ms, 2),
            "floor_photos_per_s_per_core": round(1000 / floor_ms, 2),
        }
        print(f"  {name}: floor {floor_ms:.1f} ms, in-process p50 {in_ms:.1f} ms ({in_ms / floor_ms:.2f}x)", flush=True)
    return out
