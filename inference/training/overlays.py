"""Overlays of a model's analysis on real free-licence photographs, to look at by eye.

    python -m inference.training.overlays 2.0.0 [--out artifacts/real-overlays]

Every picture of the negative set (no ear: what is drawn is what the model wrongly claims), with
and without a drawn card, at phone size through the service's decode path; and the one real ear
the packages hold: scikit-image's ``camera`` (CC0), whose photographer's left ear is partly visible,
cropped around the head. Writes one PNG per photo and ``sheet.png`` with all of them.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from inference.predict import analyse_photo, render_overlay
from inference.registry import spec_for_version
from inference.training.evaluate import phone_photo
from inference.training.negatives import DEFAULT_CACHE, load_negatives
from inference.training.scene import photo_view

CAMERA_HEAD = (150, 40, 350, 240)  # the photographer's head in skimage's camera.png (512 x 512)


def camera_head(cache: Path = DEFAULT_CACHE) -> Image.Image | None:
    """The head of scikit-image's cameraman, ear included, from the cached wheel (None if absent)."""
    wheels = sorted((cache / "packages").glob("scikit_image-*.whl"))
    if not wheels:
        return None
    with zipfile.ZipFile(wheels[-1]) as zf, Image.open(io.BytesIO(zf.read("skimage/data/camera.png"))) as im:
        return im.convert("RGB").crop(CAMERA_HEAD).resize((640, 640), Image.Resampling.BICUBIC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version")
    parser.add_argument("--out", type=Path, default=Path("artifacts/real-overlays"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    spec = spec_for_version(args.version)
    rng = np.random.default_rng(11)
    tiles = []
    photos: list[tuple[str, Image.Image]] = []
    for picture, image in load_negatives():
        for card in (False, True):
            view = photo_view(image, rng, (640, 480), card=card).image
            photos.append((f"{Path(picture.file).stem}{'_card' if card else ''}", phone_photo(view)))
    head = camera_head()
    if head is not None:
        photos.append(("camera_head_real_ear", head))
    for name, image in photos:
        result = analyse_photo(image, spec=spec)
        png = render_overlay(image, result)
        (args.out / f"{name}.png").write_bytes(png)
        tile = Image.open(io.BytesIO(png)).convert("RGB")
        tile.thumbnail((240, 240))
        label = f"{name[:28]} {result.primary_issue.code if result.primary_issue else result.scale} e{result.ear_confidence:.2f}"
        canvas = Image.new("RGB", (240, 256), "white")
        canvas.paste(tile, (0, 0))
        ImageDraw.Draw(canvas).text((2, 242), label, fill="black")
        tiles.append(canvas)
        print(
            f"{name:40} ear {result.ear_confidence:.3f} card {result.card_confidence:.3f} scale {result.scale:8} reasons {','.join(result.reasons)}"
        )
    per_row = 8
    sheet = Image.new("RGB", (240 * per_row, 256 * ((len(tiles) + per_row - 1) // per_row)), "white")
    for i, tile in enumerate(tiles):
        sheet.paste(tile, ((i % per_row) * 240, (i // per_row) * 256))
    sheet.save(args.out / "sheet.png")
    print(f"wrote {len(tiles)} overlays and {args.out / 'sheet.png'}")


if __name__ == "__main__":
    main()
