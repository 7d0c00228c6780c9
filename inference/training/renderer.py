"""Synthetic ear photos with an ID-1 card and their ground truth: the entry point, and the flat 1.x style.

Everything is drawn in one plane measured in millimetres (the side of the head, the ear and the
card held flat beside it), then mapped to pixels by one homography (scale, camera roll and mild
perspective). Because ear and card share that plane, the card's corners recover the true mm scale,
which is exactly the assumption the post-processing makes. Deterministic from a seed.

Adult ear dimensions follow published anthropometric ranges (ear length ~55–70 mm, width ~30–38 mm,
concha ~15–22 mm); the intertragal notch width (~5–11 mm) is a proxy for the canal entrance.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from inference.geometry import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    FloatArray,
    apply_homography,
    homography_from_points,
    order_card_corners,
)
from inference.keypoints import EAR_KEYPOINTS, MEASUREMENT_PAIRS
from inference.training.ear_shape import ellipse, sample_ear, transform_ear
from inference.training.painting import Painter, colour, draw_background, draw_card, draw_ear, draw_head
from inference.training.scene import SKIN_TONES, RenderedPhoto, render_scene


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
    style: str = "flat",
    backgrounds: Sequence[Image.Image] = (),
) -> RenderedPhoto:
    """Render one synthetic photo. ``ear``/``card`` force presence; ``None`` draws it at random.

    ``style="photo"`` is the photographic renderer of EarNet 2.x (``scene.render_scene``);
    ``style="flat"`` (the default, so existing fixtures keep their pixels) the flat drawing
    EarNet 1.x was trained on.
    """
    if style == "photo":
        return render_scene(seed, size=size, ear=ear, card=card, fill=fill, backgrounds=backgrounds)
    if style != "flat":
        raise ValueError(f"unknown render style {style!r}")
    return render_flat_photo(seed, size=size, ear=ear, card=card, fill=fill)


def render_flat_photo(
    seed: int,
    *,
    size: tuple[int, int] | None = None,
    ear: bool | None = None,
    card: bool | None = None,
    fill: float | None = None,
) -> RenderedPhoto:
    """The EarNet 1.x renderer: flat drawings through one homography."""
    rng = np.random.default_rng(seed)
    if size is None:
        choice = rng.integers(3)
        size = ((384, 288), (288, 384), (336, 336))[int(choice)]
    has_ear = bool(rng.random() > 0.12) if ear is None else ear
    has_card = bool(rng.random() > 0.15) if card is None else card
    side = 1 if rng.random() < 0.5 else -1  # +1: face towards -x in the image (a right ear)
    skin = SKIN_TONES[rng.integers(len(SKIN_TONES))] * rng.uniform(0.9, 1.1)

    ear_shape = sample_ear(rng)
    angle = np.deg2rad(rng.uniform(-20, 20))
    ca, sa = np.cos(angle), np.sin(angle)
    matrix = np.array([[ca * side, -sa], [sa * side, ca]])
    placed = transform_ear(ear_shape, matrix, np.zeros(2))
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
    painter = Painter(image, h_mat, k)
    draw_background(painter, rng, size)
    if has_ear or rng.random() < 0.5:
        draw_head(painter, rng, skin, ear_box, side)
    if has_ear:
        draw_ear(painter, rng, placed, skin)
    if has_card:
        draw_card(painter, rng, card_mm, to_plane)
        if rng.random() < 0.4:  # a fingertip holding the card by one long edge
            edge = rng.integers(4)
            mid = (card_mm[edge] + card_mm[(edge + 1) % 4]) / 2
            out = mid - card_mm.mean(axis=0)
            tip = ellipse(0, 0, 8, 11, 32, rot=float(np.arctan2(out[1], out[0]) + np.pi / 2))
            painter.fill(tip + mid + out / np.linalg.norm(out) * 6, colour(skin * 0.95), blur_mm=0.8)

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
