"""How far renders are from photographs, in simple image statistics, and a picture of both.

    python -m inference.training.realism_gap [--renders 200] [--out artifacts/realism]

For the flat 1.x renders, the photographic 2.x renders and the negative set's real photographs
(views at the same 640 x 480 size), it measures per image: mean brightness, contrast (luma
standard deviation), colourfulness (Hasler and Suesstrunk), saturation, mean gradient (edge
strength), noise (Immerkaer's estimator) and the share of near-flat pixels. It prints each
statistic's mean for the three sets and the gap of each render style to the photographs in
units of the photographs' spread (standardised mean difference), writes them as JSON, and draws
``realism_gap.png`` (the distributions) and ``renders_and_photos.png`` (a sheet to look at).
The real photographs show no ears: these are whole-image statistics, a check on the look of a
render, not on its ear.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw

from inference.postprocess import noise_sigma
from inference.training.negatives import load_negatives
from inference.training.renderer import render_photo
from inference.training.scene import photo_view

STATS = ("brightness", "contrast", "colourfulness", "saturation", "gradient", "noise", "flat_share")
SIZE = (640, 480)


def image_stats(image: Image.Image) -> dict[str, float]:
    rgb = np.asarray(image.convert("RGB"), dtype=np.float32)
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    hsv = cv2.cvtColor(rgb.astype(np.uint8), cv2.COLOR_RGB2HSV)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3) / 8
    mag = np.sqrt(gx * gx + gy * gy)
    return {
        "brightness": float(grey.mean()),
        "contrast": float(grey.std()),
        "colourfulness": float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean())),
        "saturation": float(hsv[..., 1].mean()),
        "gradient": float(mag.mean()),
        "noise": noise_sigma(image.convert("L")),
        "flat_share": float((mag < 1.0).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--out", type=Path, default=Path("artifacts/realism"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pictures = load_negatives(split="eval")
    rng = np.random.default_rng(5)
    sets: dict[str, list[Image.Image]] = {
        "flat renders (1.x)": [render_photo(5_000_000 + i, size=SIZE, style="flat").image for i in range(args.renders)],
        "photographic renders (2.x)": [
            render_photo(5_000_000 + i, size=SIZE, style="photo", backgrounds=[im for _, im in pictures]).image
            for i in range(args.renders)
        ],
        "real photographs": [
            photo_view(pictures[i % len(pictures)][1], rng, SIZE, card=False).image for i in range(args.renders)
        ],
    }
    table = {name: [image_stats(im) for im in images] for name, images in sets.items()}
    photos = table["real photographs"]
    report: dict[str, dict[str, dict[str, float]]] = {}
    for name, rows in table.items():
        report[name] = {}
        for stat in STATS:
            values = np.array([r[stat] for r in rows])
            ref = np.array([r[stat] for r in photos])
            gap = (values.mean() - ref.mean()) / (ref.std() or 1.0)
            report[name][stat] = {
                "mean": round(float(values.mean()), 3),
                "sd": round(float(values.std()), 3),
                "gap_sd": round(float(gap), 2),
            }
    (args.out / "realism_gap.json").write_text(json.dumps({"images_per_set": args.renders, **report}, indent=2) + "\n")
    print(f"{'statistic':<15}" + "".join(f"{n[:26]:>28}" for n in report))
    for stat in STATS:
        cells = [f"{report[n][stat]['mean']:>10.2f} (gap {report[n][stat]['gap_sd']:+.2f} sd)" for n in report]
        print(f"{stat:<15}" + "".join(f"{c:>28}" for c in cells))
    _chart(table, args.out / "realism_gap.png")
    _sheet(sets, args.out / "renders_and_photos.png")
    print(f"wrote {args.out}/realism_gap.json, realism_gap.png, renders_and_photos.png")


def _chart(table: dict[str, list[dict[str, float]]], path: Path) -> None:
    """One row per statistic: each set's values as a strip of dots, the photographs' in green."""
    colours = {0: (200, 80, 80), 1: (70, 110, 220), 2: (40, 160, 70)}
    row_h, w, left = 70, 900, 140
    img = Image.new("RGB", (w, row_h * len(STATS) + 30), "white")
    draw = ImageDraw.Draw(img)
    for r, stat in enumerate(STATS):
        values = [[row[stat] for row in rows] for rows in table.values()]
        lo, hi = min(min(v) for v in values), max(max(v) for v in values)
        y0 = 20 + r * row_h
        draw.text((5, y0 + 25), stat, fill="black")
        for k, vals in enumerate(values):
            for v in vals:
                x = left + (v - lo) / ((hi - lo) or 1) * (w - left - 20)
                y = y0 + 10 + k * 18
                draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=colours[k])
    for k, name in enumerate(table):
        draw.text((left + k * 250, 2), name, fill=colours[k])
    img.save(path)


def _sheet(sets: dict[str, list[Image.Image]], path: Path, per_row: int = 6) -> None:
    tile = (213, 160)
    img = Image.new("RGB", (tile[0] * per_row, (tile[1] + 16) * len(sets)), "white")
    draw = ImageDraw.Draw(img)
    for r, (name, images) in enumerate(sets.items()):
        y = r * (tile[1] + 16)
        draw.text((4, y + 2), name, fill="black")
        for c, im in enumerate(images[:per_row]):
            img.paste(im.resize(tile), (c * tile[0], y + 16))
    img.save(path)


if __name__ == "__main__":
    main()
