"""Procedural renderer of synthetic ear photos with an ID-1 card, and their ground truth.

Everything is drawn in one plane measured in millimetres (the side of the head, the ear and the
card held flat beside it), then mapped to pixels by one homography (scale, camera roll and mild
perspective). Because ear and card share that plane, the card's corners recover the true mm scale,
which is exactly the assumption the post-processing makes. Deterministic from a seed.

Adult ear dimensions follow published anthropometric ranges (ear length ~55–70 mm, width ~30–38 mm,
concha ~15–22 mm); the intertragal notch width (~5–11 mm) is a proxy for the canal entrance.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from inference.geometry import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    FloatArray,
    apply_homography,
    homography_from_points,
    order_card_corners,
)
from inference.keypoints import EAR_KEYPOINTS, MEASUREMENT_PAIRS

SKIN_TONES = np.array(
    [
        (255, 224, 196),
        (241, 194, 167),
        (224, 172, 138),
        (198, 134, 99),
        (160, 105, 72),
        (122, 78, 52),
        (92, 58, 40),
        (66, 42, 30),
    ],
    dtype=np.float64,
)
HAIR_COLOURS = np.array(
    [(20, 16, 14), (60, 40, 25), (110, 75, 40), (190, 150, 90), (140, 60, 30), (160, 160, 160)],
    dtype=np.float64,
)
CARD_COLOURS = np.array(
    [(20, 60, 150), (180, 180, 190), (25, 25, 30), (200, 160, 60), (30, 120, 70), (235, 235, 240)],
    dtype=np.float64,
)

Colour = tuple[int, int, int]


@dataclass(frozen=True)
class RenderedPhoto:
    """A synthetic photo and its ground truth (pixel coordinates in ``image``)."""

    image: Image.Image
    ear_keypoints_px: FloatArray | None  # (10, 2) in EAR_KEYPOINTS order
    card_corners_px: FloatArray | None  # (4, 2) TL, TR, BR, BL
    measurements_mm: dict[str, float] | None
    side: str
    px_per_mm: float

    @property
    def has_ear(self) -> bool:
        return self.ear_keypoints_px is not None

    @property
    def has_card(self) -> bool:
        return self.card_corners_px is not None


@dataclass(frozen=True)
class _Ear:
    outline: FloatArray
    scapha: FloatArray
    antihelix: FloatArray
    concha: FloatArray
    tragus: FloatArray
    antitragus: FloatArray
    keypoints: FloatArray


def _colour(c: FloatArray | tuple[float, float, float]) -> Colour:
    a = np.clip(np.asarray(c, dtype=np.float64), 0, 255)
    return (int(a[0]), int(a[1]), int(a[2]))


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48, rot: float = 0.0) -> FloatArray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    c, s = np.cos(rot), np.sin(rot)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1)


def _sample_ear(rng: np.random.Generator) -> _Ear:
    """One ear in its own frame: origin at its centre, y down, front (face side) towards -x."""
    length = float(np.clip(rng.normal(62.5, 4.2), 52, 74))
    width = float(np.clip(rng.normal(34.0 + 0.25 * (length - 62.5), 2.2), 28, 40))
    concha_h = float(np.clip(rng.normal(19.0 + 0.15 * (length - 62.5), 1.7), 15, 23))
    concha_w = float(np.clip(rng.normal(17.0, 1.5), 13, min(21.0, 0.58 * width)))
    notch = float(np.clip(rng.normal(8.0, 1.25), 5.0, min(11.0, 0.62 * concha_w)))

    t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
    u = -np.cos(t)  # -1 at the top, +1 at the bottom
    back, front = 0.58 * width, 0.42 * width
    lower = np.clip(u, 0, None)
    upper = np.clip(-u, 0, None)
    half = np.where(np.sin(t) >= 0, back * (1 - 0.42 * lower**1.5), front * (1 - 0.3 * lower**2))
    x = np.sign(np.sin(t)) * np.abs(np.sin(t)) ** 0.8 * half - 0.1 * width * lower**2
    x = x + 0.05 * width * upper**2 + rng.normal(0, 0.4) * upper
    y = u * length / 2
    outline = np.stack([x, y], axis=1)

    centre = np.array([0.08 * width, -0.05 * length])
    back_arc = (t > -0.1) & (t < 0.8 * np.pi)
    ring = outline[back_arc]
    scapha = np.vstack([centre + (ring - centre) * 0.86, (centre + (ring - centre) * 0.7)[::-1]])
    anti = ring[: int(len(ring) * 0.85)]
    antihelix = np.vstack([centre + (anti - centre) * 0.69, (centre + (anti - centre) * 0.55)[::-1]])

    cx = -0.05 * width + rng.normal(0, 0.6)
    cy = 0.05 * length + rng.normal(0, 0.8)
    concha = _ellipse(cx, cy, concha_w / 2, concha_h / 2, 60)
    yn = cy + 0.3 * concha_h
    xc = cx - 0.1 * concha_w
    notch_front = np.array([xc - notch / 2, yn])
    notch_back = np.array([xc + notch / 2, yn + rng.normal(0.6, 0.3)])
    tragus = _ellipse(0, 0, 3.2, 6.0, 32) + (notch_front - _ellipse(0, 0, 3.2, 6.0, 32)[5])
    anti_shape = _ellipse(0, 0, 5.0, 3.0, 32, rot=-0.5)
    antitragus = anti_shape + (notch_back - anti_shape[18])

    kp = {
        "helix_top": outline[np.argmin(outline[:, 1])],
        "lobe_bottom": outline[np.argmax(outline[:, 1])],
        "ear_front": outline[np.argmin(outline[:, 0])],
        "ear_back": outline[np.argmax(outline[:, 0])],
        "concha_top": np.array([cx, cy - concha_h / 2]),
        "concha_bottom": np.array([cx, cy + concha_h / 2]),
        "concha_front": np.array([cx - concha_w / 2, cy]),
        "concha_back": np.array([cx + concha_w / 2, cy]),
        "notch_front": notch_front,
        "notch_back": notch_back,
    }
    keypoints = np.stack([kp[name] for name in EAR_KEYPOINTS])
    return _Ear(outline, scapha, antihelix, concha, tragus, antitragus, keypoints)


def _transform_ear(ear: _Ear, matrix: FloatArray, offset: FloatArray) -> _Ear:
    def f(p: FloatArray) -> FloatArray:
        return np.asarray(p @ matrix.T + offset, dtype=np.float64)

    return _Ear(
        f(ear.outline),
        f(ear.scapha),
        f(ear.antihelix),
        f(ear.concha),
        f(ear.tragus),
        f(ear.antitragus),
        f(ear.keypoints),
    )


class _Painter:
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
        w, h = self.image.size
        pad = int(3 * blur + 2)
        x0, y0 = np.floor(pts.min(axis=0)).astype(int) - pad
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + pad
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        mask = Image.new("L", (int(x1 - x0), int(y1 - y0)), 0)
        shifted = [(float(px - x0), float(py - y0)) for px, py in pts]
        ImageDraw.Draw(mask).polygon(shifted, fill=int(255 * alpha))
        if blur > 0.3:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        self.image.paste(colour, (int(x0), int(y0), int(x1), int(y1)), mask)

    def line(self, pts_mm: FloatArray, colour: Colour, width_mm: float, alpha: float = 1.0) -> None:
        pts = self.px(pts_mm)
        width = max(1, int(width_mm * self.k))
        w, h = self.image.size
        x0, y0 = np.floor(pts.min(axis=0)).astype(int) - width
        x1, y1 = np.ceil(pts.max(axis=0)).astype(int) + width
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        mask = Image.new("L", (int(x1 - x0), int(y1 - y0)), 0)
        shifted = [(float(a - x0), float(b - y0)) for a, b in pts]
        ImageDraw.Draw(mask).line(shifted, fill=int(255 * alpha), width=width)
        self.image.paste(colour, (int(x0), int(y0), int(x1), int(y1)), mask)


def _rounded_rect(w: float, h: float, r: float) -> FloatArray:
    pts: list[FloatArray] = []
    for cx, cy, a0 in ((w - r, r, -np.pi / 2), (w - r, h - r, 0.0), (r, h - r, np.pi / 2), (r, r, np.pi)):
        a = np.linspace(a0, a0 + np.pi / 2, 8)
        pts.append(np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1))
    return np.vstack(pts)


def _draw_card(p: _Painter, rng: np.random.Generator, corners_mm: FloatArray, to_plane: FloatArray) -> None:
    landscape = np.linalg.norm(corners_mm[1] - corners_mm[0]) > np.linalg.norm(corners_mm[3] - corners_mm[0])
    w, h = (CARD_WIDTH_MM, CARD_HEIGHT_MM) if landscape else (CARD_HEIGHT_MM, CARD_WIDTH_MM)

    def local(pts: FloatArray) -> FloatArray:
        return np.asarray(pts @ to_plane[:, :2].T + to_plane[:, 2], dtype=np.float64)

    base = CARD_COLOURS[rng.integers(len(CARD_COLOURS))] + rng.normal(0, 12, 3)
    outline = _rounded_rect(w, h, 3.18)
    p.fill(local(outline) + np.array([1.2, 1.6]), (20, 18, 16), blur_mm=1.5, alpha=0.45)  # shadow
    p.fill(local(outline), _colour(base), blur_mm=0.08)
    shade = base * rng.uniform(0.75, 1.2)
    band = np.array([[0, h * 0.55], [w, h * 0.35], [w, h], [0, h]], dtype=np.float64)
    p.fill(local(band * 0.999 + 0.02), _colour(shade), blur_mm=2.0, alpha=0.5)
    cw, ch = (w, h) if landscape else (h, w)
    chip = np.array([[9, 17], [21, 17], [21, 26], [9, 26]], dtype=np.float64)
    text_colour = _colour((240, 240, 240) if base.mean() < 120 else (30, 30, 40))
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
        logo = _ellipse(w * 0.8, h * 0.25, 5, 5)
        p.fill(local(logo), _colour(rng.uniform(0, 255, 3)), blur_mm=0.1, alpha=0.8)


def _draw_ear(p: _Painter, rng: np.random.Generator, ear: _Ear, skin: FloatArray) -> None:
    ear_skin = skin * np.array([1.02, 0.97, 0.95]) * rng.uniform(0.95, 1.08)
    shadow_dir = rng.normal(0, 1, 2)
    shadow_dir = shadow_dir / np.linalg.norm(shadow_dir) * rng.uniform(1.0, 2.5)
    p.fill(ear.outline + shadow_dir, _colour(skin * 0.45), blur_mm=1.8, alpha=0.7)
    p.fill(ear.outline, _colour(ear_skin * 0.8), blur_mm=0.15)
    centre = ear.outline.mean(axis=0)
    p.fill(centre + (ear.outline - centre) * 0.96, _colour(ear_skin), blur_mm=0.6)
    p.fill(ear.scapha, _colour(ear_skin * 0.72), blur_mm=1.0)
    p.fill(ear.antihelix, _colour(ear_skin * 1.08), blur_mm=0.9)
    p.fill(ear.concha, _colour(ear_skin * 0.62), blur_mm=0.35)
    cc = ear.concha.mean(axis=0)
    for k, dark in ((0.75, 0.5), (0.5, 0.38), (0.3, 0.28)):
        p.fill(cc + (ear.concha - cc) * k + np.array([0.0, 1.5 * (1 - k)]), _colour(ear_skin * dark), blur_mm=1.2)
    for flap in (ear.tragus, ear.antitragus):
        p.fill(flap + np.array([0.5, 0.7]), _colour(ear_skin * 0.35), blur_mm=0.6, alpha=0.8)
        p.fill(flap, _colour(ear_skin * 0.98), blur_mm=0.2)
        fc = flap.mean(axis=0)
        p.fill(fc + (flap - fc) * 0.5 - np.array([0.3, 0.5]), _colour(ear_skin * 1.12), blur_mm=0.8, alpha=0.6)
    rim = ear.scapha[: len(ear.scapha) // 2]  # the outer edge of the scapha runs along the helix
    p.line(centre + (rim - centre) * 1.06, _colour(np.minimum(ear_skin * 1.18, 255)), 0.8, alpha=0.5)


def _draw_background(p: _Painter, rng: np.random.Generator, size: tuple[int, int]) -> None:
    w, h = size
    base = rng.uniform(40, 230, 3)
    p.image.paste(_colour(base), (0, 0, w, h))
    for _ in range(int(rng.integers(3, 12))):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        rx, ry = rng.uniform(0.05, 0.4) * w, rng.uniform(0.05, 0.4) * h
        shape = _ellipse(cx, cy, rx, ry, 6 if rng.random() < 0.5 else 40, rot=rng.uniform(0, np.pi))
        p.fill_px(shape, _colour(rng.uniform(0, 255, 3)), blur=rng.uniform(0, 0.01) * w, alpha=rng.uniform(0.4, 1))


def _draw_head(p: _Painter, rng: np.random.Generator, skin: FloatArray, ear_box: FloatArray, side: int) -> None:
    head = _ellipse(-side * rng.uniform(10, 50), rng.uniform(0, 40), rng.uniform(90, 130), rng.uniform(110, 150), 64)
    p.fill(head, _colour(skin * rng.uniform(0.9, 1.05)), blur_mm=4.0)
    hair = HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))] * rng.uniform(0.8, 1.2)
    top = ear_box[0, 1] - rng.uniform(6, 25)
    back_x = ear_box[1, 0] + rng.uniform(8, 30) if side > 0 else ear_box[0, 0] - rng.uniform(8, 30)
    far = 400.0 * side
    region = np.array([[-far, -400], [far, -400], [far, 400], [back_x, 400], [back_x, top], [-far, top]])
    region = region + rng.normal(0, 2.0, region.shape)
    p.fill(region, _colour(hair), blur_mm=2.5)
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
        p.line(stroke, _colour(hair * rng.uniform(0.6, 1.5)), rng.uniform(0.3, 1.0), alpha=0.6)


def _scene_homography(
    rng: np.random.Generator, box: FloatArray, size: tuple[int, int], fill: float
) -> tuple[FloatArray, float]:
    w, h = size
    roll = np.deg2rad(rng.uniform(-10, 10))
    bw, bh = box[1] - box[0]
    c, s = abs(np.cos(roll)), abs(np.sin(roll))
    rot_w, rot_h = bw * c + bh * s, bw * s + bh * c
    k = fill * min(w / rot_w, h / rot_h)
    centre_mm = box.mean(axis=0)
    slack = np.array([w - rot_w * k, h - rot_h * k]) / 2
    centre_px = np.array([w / 2, h / 2]) + rng.uniform(-1, 1, 2) * slack * 0.8
    cr, sr = np.cos(roll), np.sin(roll)
    sim = np.array(
        [
            [k * cr, -k * sr, centre_px[0] - k * (cr * centre_mm[0] - sr * centre_mm[1])],
            [k * sr, k * cr, centre_px[1] - k * (sr * centre_mm[0] + cr * centre_mm[1])],
            [0, 0, 1],
        ]
    )
    frame = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    jitter = frame + rng.uniform(-0.05, 0.05, (4, 2)) * np.array([w, h])
    persp = homography_from_points(frame, jitter)
    return persp @ sim, float(k)


def render_photo(
    seed: int,
    *,
    size: tuple[int, int] | None = None,
    ear: bool | None = None,
    card: bool | None = None,
    fill: float | None = None,
) -> RenderedPhoto:
    """Render one synthetic photo. ``ear``/``card`` force presence; ``None`` draws it at random."""
    rng = np.random.default_rng(seed)
    if size is None:
        choice = rng.integers(3)
        size = ((384, 288), (288, 384), (336, 336))[int(choice)]
    has_ear = bool(rng.random() > 0.12) if ear is None else ear
    has_card = bool(rng.random() > 0.15) if card is None else card
    side = 1 if rng.random() < 0.5 else -1  # +1: face towards -x in the image (a right ear)
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.1)

    ear_shape = _sample_ear(rng)
    angle = np.deg2rad(rng.uniform(-20, 20))
    ca, sa = np.cos(angle), np.sin(angle)
    matrix = np.array([[ca * side, -sa], [sa * side, ca]])
    placed = _transform_ear(ear_shape, matrix, np.zeros(2))
    ear_box = np.array([placed.outline.min(axis=0), placed.outline.max(axis=0)])

    card_angle = np.deg2rad(rng.uniform(-20, 20))
    portrait = rng.random() < 0.3
    cw, ch = (CARD_HEIGHT_MM, CARD_WIDTH_MM) if portrait else (CARD_WIDTH_MM, CARD_HEIGHT_MM)
    direction = rng.choice([0.0, np.pi, np.pi / 2, -np.pi / 2], p=[0.35, 0.35, 0.2, 0.1]) + rng.uniform(-0.5, 0.5)
    reach = np.array([np.cos(direction), np.sin(direction)])
    ear_half = (ear_box[1] - ear_box[0]) / 2
    gap = np.abs(reach) @ (ear_half + np.array([cw, ch]) / 2) + rng.uniform(3, 25)
    card_centre = ear_box.mean(axis=0) + reach * gap
    cc, sc = np.cos(card_angle), np.sin(card_angle)
    to_plane = np.array(
        [[cc, -sc, card_centre[0] - cc * cw / 2 + sc * ch / 2], [sc, cc, card_centre[1] - sc * cw / 2 - cc * ch / 2]]
    )
    card_local = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float64)
    card_mm = card_local @ to_plane[:, :2].T + to_plane[:, 2]

    boxes = []
    if has_ear:
        boxes.append(ear_box)
    if has_card:
        boxes.append(np.array([card_mm.min(axis=0), card_mm.max(axis=0)]))
    if not boxes:
        boxes.append(np.array([[-60.0, -45.0], [60.0, 45.0]]))
    union = np.array([np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)])
    fill = float(rng.uniform(0.45, 0.9)) if fill is None else fill

    for _ in range(20):
        h_mat, k = _scene_homography(rng, union, size, fill)
        pts = [union, placed.keypoints] if has_ear else [union]
        if has_card:
            pts.append(card_mm)
        px = apply_homography(h_mat, np.vstack(pts))
        margin = 0.02 * min(size)
        if px.min() > margin and np.all(px.max(axis=0) < np.array(size) - margin):
            break
        fill *= 0.95

    image = Image.new("RGB", size)
    painter = _Painter(image, h_mat, k)
    _draw_background(painter, rng, size)
    if has_ear or rng.random() < 0.5:
        _draw_head(painter, rng, skin, ear_box, side)
    if has_ear:
        _draw_ear(painter, rng, placed, skin)
    if has_card:
        _draw_card(painter, rng, card_mm, to_plane)
        if rng.random() < 0.4:  # a fingertip holding the card by one long edge
            edge = rng.integers(4)
            mid = (card_mm[edge] + card_mm[(edge + 1) % 4]) / 2
            out = mid - card_mm.mean(axis=0)
            tip = _ellipse(0, 0, 8, 11, 32, rot=float(np.arctan2(out[1], out[0]) + np.pi / 2))
            painter.fill(tip + mid + out / np.linalg.norm(out) * 6, _colour(skin * 0.95), blur_mm=0.8)

    image = _finish(image, rng)
    measurements = None
    ear_px = None
    if has_ear:
        ear_px = apply_homography(h_mat, placed.keypoints)
        idx = {name: i for i, name in enumerate(EAR_KEYPOINTS)}
        measurements = {
            m: float(np.linalg.norm(ear_shape.keypoints[idx[a]] - ear_shape.keypoints[idx[b]]))
            for m, (a, b) in MEASUREMENT_PAIRS.items()
        }
    card_px = order_card_corners(apply_homography(h_mat, card_mm)) if has_card else None
    return RenderedPhoto(image, ear_px, card_px, measurements, "right" if side > 0 else "left", k)


def _finish(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Lighting, colour cast, blur, sensor noise and JPEG compression."""
    w, h = image.size
    arr = np.asarray(image, dtype=np.float32)
    direction = rng.normal(0, 1, 2)
    xs = (np.arange(w, dtype=np.float32) / w - 0.5) * direction[0]
    ys = (np.arange(h, dtype=np.float32) / h - 0.5) * direction[1]
    ramp = ys[:, None] + xs[None, :]
    light = rng.uniform(0.55, 1.25) * (1 + rng.uniform(0, 0.35) * ramp)
    cast = 1 + rng.normal(0, 0.05, 3)
    arr = arr * light[..., None] * cast
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    sigma = rng.uniform(0, 1.6) * min(w, h) / 480
    if sigma > 0.2:
        out = out.filter(ImageFilter.GaussianBlur(sigma))
    noise_level = rng.uniform(0, 6)
    if noise_level > 0.5:
        noisy = np.asarray(out, dtype=np.float32) + rng.standard_normal((h, w, 1), dtype=np.float32) * noise_level
        out = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=int(rng.integers(45, 96)))
    buf.seek(0)
    return Image.open(buf).convert("RGB")
