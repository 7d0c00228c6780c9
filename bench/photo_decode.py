"""Benchmark: a 12 MP phone photo through the in-process path vs. a naive full-resolution path.

    python -m bench.photo_decode [--runs 21] [--out bench/results]

Makes a 4032x3024 JPEG (~3.5 MB, EXIF orientation 6 and GPS tags, like a phone's portrait shot)
from the renderer, then times per photo over N rounds:

- in-process: ``decode_photo`` (JPEG draft mode, shrink, orientation) + ``analyse_photo``;
- naive: full-resolution decode + ``exif_transpose`` + resize + the same ``analyse_photo``.

The paths take turns, run by run (see ``time_paths``). Prints the figures and the speed-up, and
draws a bar chart to ``<out>/photo_decode.png``. It is a benchmark, not a test: nothing here
asserts a time. ``main(extra_paths=...)`` takes more timed paths (e.g. the Django side's API
call) as name -> callable(photo bytes).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageOps
from tqdm import tqdm

from bench.pairing import paired_speedup
from inference.predict import analyse_photo
from inference.preprocess import decode_photo
from inference.registry import default_spec
from inference.training.renderer import render_photo

PhotoPath = Callable[[bytes], object]
# The service's limits: its settings' defaults, unless the environment says otherwise.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "earfit.settings.local")
STORED_LONG_SIDE: int = settings.PHOTO_STORED_LONG_SIDE
LIMITS = {"max_bytes": settings.PHOTO_MAX_BYTES, "max_pixels": settings.PHOTO_MAX_PIXELS}
# A pause before each timed call, so what the previous path left running (the server finishing a
# request, the allocator returning a 12 MP image's memory) is not billed to the next one.
SETTLE_SECONDS = 0.1


def make_phone_photo(seed: int = 7, target_bytes: int = 3_500_000, scale: int = 1) -> bytes:
    """A rendered ear+card scene as a 4032x3024 JPEG with EXIF orientation 6 and GPS tags
    (`scale` > 1 divides each side, for quick smoke runs)."""
    width, height = 3024 // scale, 4032 // scale
    upright = render_photo(seed, size=(width, height), ear=True, card=True, fill=0.6).image
    rng = np.random.default_rng(seed)
    # Sensor-like fine grain, so the JPEG weighs what a phone's does.
    grain = rng.normal(0, 3.0, (height, width, 1)).astype(np.float32)
    upright = Image.fromarray(np.clip(np.asarray(upright, dtype=np.float32) + grain, 0, 255).astype(np.uint8))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor wrote it: 4032 wide
    exif = Image.Exif()
    exif[0x010F] = "BenchPhone"
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    best = b""
    for quality in (80, 85, 88, 91, 93, 95, 97):
        buf = io.BytesIO()
        stored.save(buf, "JPEG", quality=quality, exif=exif.tobytes())
        best = buf.getvalue()
        if len(best) >= target_bytes // scale**2:
            break
    return best


def in_process_decode(data: bytes) -> Image.Image:
    return decode_photo(data, target_long_side=STORED_LONG_SIDE, **LIMITS).image


def naive_decode(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        upright = ImageOps.exif_transpose(im.convert("RGB"))
    scale = STORED_LONG_SIDE / max(upright.size)
    size = (round(upright.size[0] * scale), round(upright.size[1] * scale))
    return upright.resize(size, Image.Resampling.LANCZOS)


def in_process(data: bytes) -> object:
    return analyse_photo(in_process_decode(data))


def naive(data: bytes) -> object:
    return analyse_photo(naive_decode(data))


def time_paths(paths: Mapping[str, PhotoPath], data: bytes, runs: int) -> dict[str, list[float]]:
    """Seconds per run for every path, interleaved: run i of every path, then run i + 1.

    This machine is shared and its speed drifts by tens of percent over seconds; timing one path's
    runs after another's would put the drift into the ratio. Interleaved, every path sees it alike.
    """
    for fn in paths.values():
        fn(data)  # warm-up: session creation, caches
    out: dict[str, list[float]] = {name: [] for name in paths}
    for _ in tqdm(range(runs), desc="timing", unit="round"):
        for name, fn in paths.items():
            time.sleep(SETTLE_SECONDS)
            start = time.perf_counter()
            fn(data)
            out[name].append(time.perf_counter() - start)
    return out


def draw_chart(medians: Mapping[str, float], path: Path) -> None:
    width, bar_h, pad = 720, 44, 16
    height = pad * 3 + (bar_h + pad) * len(medians)
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.text((pad, pad), "Per-photo time, 4032x3024 JPEG, median (ms)", fill=(0, 0, 0))
    longest = max(medians.values())
    colours = [(40, 120, 200), (200, 80, 60), (90, 160, 90), (150, 100, 180)]
    for i, (name, seconds) in enumerate(medians.items()):
        y = pad * 3 + i * (bar_h + pad)
        bar = int((width - 260) * seconds / longest)
        draw.rectangle((140, y, 140 + bar, y + bar_h), fill=colours[i % len(colours)])
        draw.text((pad, y + bar_h // 3), name, fill=(0, 0, 0))
        draw.text((150 + bar, y + bar_h // 3), f"{seconds * 1000:.0f} ms", fill=(0, 0, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path)


def main(argv: list[str] | None = None, extra_paths: Mapping[str, PhotoPath] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args(argv)
    default_spec()
    data = make_phone_photo()
    with Image.open(io.BytesIO(data)) as im:
        print(f"photo: {im.size[0]}x{im.size[1]} JPEG, {len(data) / 1e6:.2f} MB, EXIF orientation 6 + GPS")
    decoded = decode_photo(data, target_long_side=STORED_LONG_SIDE, **LIMITS)
    print(f"draft decode: {decoded.decoded_size} -> stored {decoded.image.size}")
    paths: dict[str, PhotoPath] = {
        "in-process": in_process,
        "naive": naive,
        "decode only": in_process_decode,
        "naive decode": naive_decode,
        **(extra_paths or {}),
    }
    timings = time_paths(paths, data, args.runs)
    medians = {}
    for name, runs in timings.items():
        medians[name] = statistics.median(runs)
        print(f"{name:>12}: median {medians[name] * 1000:7.1f} ms  (min {min(runs) * 1000:.1f}, n={len(runs)})")
    speedup = paired_speedup(timings["naive"], timings["in-process"])
    decode_speedup = paired_speedup(timings["naive decode"], timings["decode only"])
    by_medians = medians["naive"] / medians["in-process"]
    print(
        f"speed-up in-process vs naive, whole path: {speedup:.1f}x (target >= 4x; ratio of medians {by_medians:.1f}x)"
    )
    print(f"speed-up of the decode + preprocess stage alone: {decode_speedup:.1f}x")
    draw_chart(medians, args.out / "photo_decode.png")
    result = {
        "photo_bytes": len(data),
        "median_seconds": medians,
        "speedup": round(speedup, 2),
        "decode_speedup": round(decode_speedup, 2),
        "runs": args.runs,
    }
    (args.out / "photo_decode.json").write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main()
