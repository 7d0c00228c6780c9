"""Painting the scene: soft-edged polygons in the mm plane, drawn through the scene homography.

The background, the side of the head with its hair, the ear and the card each take the shared
random generator in the renderer's order, so a seed renders the same photo.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from inference.geometry import CARD_HEIGHT_MM, CARD_WIDTH_MM, FloatArray, apply_homography
from inference.training.ear_shape import Ear, ellipse

HAIR_COLOURS = np.array(
    [(20, 16, 14), (60, 40, 25), (110, 75, 40), (190, 150, 90), (140, 60, 30), (160, 160, 160)],
    dtype=np.float64,
)
CARD_COLOURS = np.array(
    [(20, 60, 150), (180, 180, 190), (25, 25, 30), (200, 160, 60), (30, 120, 70), (235, 235, 240)],
    dtype=np.float64,
)

Colour = tuple[int, int, int]


def colour(c: FloatArray | tuple[float, float, float]) -> Colour:
    a = np.clip(np.asarray(c, dtype=np.float64), 0, 255)
    return (int(a[0]), int(a[1]), int(a[2]))


class Painter:
    """Draws mm-plane polygons onto an image through the scene homography, with soft edges."""

    def __init__(self, image: Image.Image, h: FloatArray, px_per_mm: float) -> None:
        self.image = image
        self.h = h
        self.k = px_per_mm

    def px(self, pts_mm: FloatArray) -> FloatArray:
        return apply_homography(self.h, pts_mm)

    def fill(self, pts_mm: FloatArray, colour: Colour, blur_mm: float = 0.0, alpha: float = 1.0) -> None:
        self.fill_px(self.px(pts_mm), colour, blur_mm * self.k, alpha)

    def fill_px(self, pts: FloatArray, colour: Colour, blur: float = 0.0, alpha: float = 1.0) -> None:
        canvas = self._canvas(pts, int(3 * blur + 2))
        if canvas is None:
            return
        mask, box = canvas
        ImageDraw.Draw(mask).polygon(self._shifted(pts, box), fill=int(255 * alpha))
        if blur > 0.3:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        self.image.paste(colour, box, mask)

    def line(self, pts_mm: FloatArray, colour: Colour, width_mm: float, alpha: float = 1.0) -> None:
        pts = self.px(pts_mm)
        width = max(1, int(width_mm * self.k))
        canvas = self._canvas(pts, width)
        if canvas is None:
            return
        mask, box = canvas
        ImageDraw.Draw(mask).line(self._shifted(pts, box), fill=int(255 * alpha), width=width)
        self.image.paste(colour, box, mask)

    def _canvas(self, pts: FloatArray, pad: int) -> tuple[Image.Image, tuple[int, int, int, int]] | None:
        """An empty mask over the points' padded bounding box inside the image, and that box; None off-image."""
        w, h = self.image.size
        x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return None
        return Image.new("L", (int(x1 - x0), int(y1 - y0)), 0), (int(x0), int(y0), int(x1), int(y1))

    @staticmethod
    def _shifted(pts: FloatArray, box: tuple[int, int, int, int]) -> list[tuple[float, float]]:
        return [(float(x - box[0]), float(y - box[1])) for x, y in pts]


def rounded_rect(w: float, h: float, r: float) -> FloatArray:
    pts: list[FloatArray] = []
    for cx, cy, a0 in ((w - r, r, -np.pi / 2), (w - r, h - r, 0.0), (r, h - r, np.pi / 2), (r, r, np.pi)):
        a = np.linspace(a0, a0 + np.pi / 2, 8)
        pts.append(np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1))
    return np.vstack(pts)


def draw_card(p: Painter, rng: np.random.Generator, corners_mm: FloatArray, to_plane: FloatArray) -> None:
    landscape = np.linalg.norm(corners_mm[1] - corners_mm[0]) > np.linalg.norm(corners_mm[3] - corners_mm[0])
    w, h = (CARD_WIDTH_MM, CARD_HEIGHT_MM) if landscape else (CARD_HEIGHT_MM, CARD_WIDTH_MM)

    def local(pts: FloatArray) -> FloatArray:
        return np.asarray(pts @ to_plane[:, :2].T + to_plane[:, 2], dtype=np.float64)

    base = CARD_COLOURS[rng.integers(len(CARD_COLOURS))] + rng.normal(0, 12, 3)
    outline = rounded_rect(w, h, 3.18)
    p.fill(local(outline) + np.array([1.2, 1.6]), (20, 18, 16), blur_mm=1.5, alpha=0.45)  # shadow
    p.fill(local(outline), colour(base), blur_mm=0.08)
    shade = base * rng.uniform(0.75, 1.2)
    band = np.array([[0, h * 0.55], [w, h * 0.35], [w, h], [0, h]], dtype=np.float64)
    p.fill(local(band * 0.999 + 0.02), colour(shade), blur_mm=2.0, alpha=0.5)
    cw, ch = (w, h) if landscape else (h, w)
    chip = np.array([[9, 17], [21, 17], [21, 26], [9, 26]], dtype=np.float64)
    text_colour = colour((240, 240, 240) if base.mean() < 120 else (30, 30, 40))
    if not landscape:
        chip = chip[:, ::-1]
    if rng.random() < 0.8:
        p.fill(local(chip * (w / cw if landscape else 1.0)), (205, 175, 95), blur_mm=0.1)
    for i in range(int(rng.integers(2, 5))):
        y0 = ch * (0.55 + 0.1 * i)
        x0 = 8 + rng.uniform(0, 6)
        seg = np.array([[x0, y0], [x0 + rng.uniform(20, 60), y0], [x0 + 40, y0 + 2.2], [x0, y0 + 2.2]])
        if not landscape:
            seg = seg[:, ::-1]
        p.fill(local(np.clip(seg, 2, max(w, h) - 2)), text_colour, blur_mm=0.2, alpha=0.7)
    if rng.random() < 0.6:
        logo = ellipse(w * 0.8, h * 0.25, 5, 5)
        p.fill(local(logo), colour(rng.uniform(0, 255, 3)), blur_mm=0.1, alpha=0.8)


def draw_ear(p: Painter, rng: np.random.Generator, ear: Ear, skin: FloatArray) -> None:
    ear_skin = skin * np.array([1.02, 0.97, 0.95]) * rng.uniform(0.95, 1.08)
    shadow_dir = rng.normal(0, 1, 2)
    shadow_dir = shadow_dir / np.linalg.norm(shadow_dir) * rng.uniform(1.0, 2.5)
    p.fill(ear.outline + shadow_dir, colour(skin * 0.45), blur_mm=1.8, alpha=0.7)
    p.fill(ear.outline, colour(ear_skin * 0.8), blur_mm=0.15)
    centre = ear.outline.mean(axis=0)
    p.fill(centre + (ear.outline - centre) * 0.96, colour(ear_skin), blur_mm=0.6)
    p.fill(ear.scapha, colour(ear_skin * 0.72), blur_mm=1.0)
    p.fill(ear.antihelix, colour(ear_skin * 1.08), blur_mm=0.9)
    p.fill(ear.concha, colour(ear_skin * 0.62), blur_mm=0.35)
    cc = ear.concha.mean(axis=0)
    for k, dark in ((0.75, 0.5), (0.5, 0.38), (0.3, 0.28)):
        p.fill(cc + (ear.concha - cc) * k + np.array([0.0, 1.5 * (1 - k)]), colour(ear_skin * dark), blur_mm=1.2)
    for flap in (ear.tragus, ear.antitragus):
        p.fill(flap + np.array([0.5, 0.7]), colour(ear_skin * 0.35), blur_mm=0.6, alpha=0.8)
        p.fill(flap, colour(ear_skin * 0.98), blur_mm=0.2)
        fc = flap.mean(axis=0)
        p.fill(fc + (flap - fc) * 0.5 - np.array([0.3, 0.5]), colour(ear_skin * 1.12), blur_mm=0.8, alpha=0.6)
    rim = ear.scapha[: len(ear.scapha) // 2]  # the outer edge of the scapha runs along the helix
    p.line(centre + (rim - centre) * 1.06, colour(np.minimum(ear_skin * 1.18, 255)), 0.8, alpha=0.5)


def draw_background(p: Painter, rng: np.random.Generator, size: tuple[int, int]) -> None:
    w, h = size
    base = rng.uniform(40, 230, 3)
    p.image.paste(colour(base), (0, 0, w, h))
    for _ in range(int(rng.integers(3, 12))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(0.05, 0.4) * w, rng.uniform(0.05, 0.4) * h
        shape = ellipse(cx, cy, rx, ry, 6 if rng.random() < 0.5 else 40, rot=rng.uniform(0, np.pi))
        p.fill_px(shape, colour(rng.uniform(0, 255, 3)), blur=rng.uniform(0, 0.01) * w, alpha=rng.uniform(0.4, 1))


def draw_head(p: Painter, rng: np.random.Generator, skin: FloatArray, ear_box: FloatArray, side: int) -> None:
    head = ellipse(-side * rng.uniform(10, 50), rng.uniform(0, 40), rng.uniform(90, 130), rng.uniform(110, 150), 64)
    p.fill(head, colour(skin * rng.uniform(0.9, 1.05)), blur_mm=4.0)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.8, 1.2)
    top = ear_box[0, 1] - rng.uniform(6, 25)
    back_x = ear_box[1, 0] + rng.uniform(8, 30) if side > 0 else ear_box[0, 0] - rng.uniform(8, 30)
    far = 400.0 * side
    region = np.array([[-far, -400], [far, -400], [far, 400], [back_x, 400], [back_x, top], [-far, top]])
    region = region + rng.normal(0, 2.0, region.shape)
    p.fill(region, colour(hair), blur_mm=2.5)
    for _ in range(int(rng.integers(20, 60))):
        x = rng.uniform(-150, 150)
        y = rng.uniform(-150, top)
        if side * (x - back_x) < 0 and y > top:
            continue
        stroke = np.array([[x, y], [x + rng.normal(0, 8), y + rng.uniform(10, 40)]])
        if side > 0 and np.any(stroke[:, 0] < back_x) and np.any(stroke[:, 1] > top):
            continue
        if side < 0 and np.any(stroke[:, 0] > back_x) and np.any(stroke[:, 1] > top):
            continue
        p.line(stroke, colour(hair * rng.uniform(0.6, 1.5)), rng.uniform(0.3, 1.0), alpha=0.6)
