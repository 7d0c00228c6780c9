"""The photographic renderer (EarNet 2.x): a pinhole camera looking at the side of a head.

World: the side of the head is the plane z = 0, in millimetres (x right, y down). The ear lies in
that plane; the ID-1 card is held beside it, its centre in the plane, sometimes tilted out of it by
a few degrees. A pinhole camera with a phone's field of view (focal length 0.8–1.3 x the long side)
looks at the scene from 15–60 cm with yaw, pitch and roll, so the card and the head are seen in
true perspective. Layers, back to front: a photographic or procedural background, the head (skin
with tone drift and pores, lit on an ellipsoid), hair, the ear's and card's soft shadows, the ear
(``realism.render_ear``), hair over the ear, an earring, a glasses arm, the card
(``card_art.card_artwork``) and the fingers holding it; for photos without an ear, look-alikes
(an eye, a cup handle, fingers). Then the phone: white balance, exposure, vignetting, defocus or
motion blur, signal-dependent noise, sharpening and JPEG.

Ground truth: the ten ear landmarks and the card's four corners (where its straight edges meet)
in pixels, the ear's measurements in mm in the head plane, and the conditions the photo shows.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from inference.geometry import CARD_HEIGHT_MM, CARD_WIDTH_MM, FloatArray, order_card_corners
from inference.keypoints import EAR_KEYPOINTS, MEASUREMENT_PAIRS
from inference.training import card_art
from inference.training.ear_shape import ellipse, sample_ear, transform_ear
from inference.training.realism import (
    F32,
    hair_layer,
    noise_field,
    over,
    random_light,
    render_ear,
    skin_layer,
    translate,
    warp_layer,
)

# Eight tones from very light to very dark; index >= 5 counts as "dark skin" in the evaluation.
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
DARK_SKIN_FROM = 5
HAIR_COLOURS = np.array(
    [(20, 16, 14), (60, 40, 25), (110, 75, 40), (190, 150, 90), (140, 60, 30), (160, 160, 160)], dtype=np.float64
)
CONDITIONS = ("no_card", "tilted_card", "hair", "dark_skin", "low_light", "small_ear")
SMALL_EAR_FRACTION = 0.22  # ear length / long side below this is a "small ear" photo


@dataclass(frozen=True)
class RenderedPhoto:
    """A synthetic photo and its ground truth (pixel coordinates in ``image``)."""

    image: Image.Image
    ear_keypoints_px: FloatArray | None  # (10, 2) in EAR_KEYPOINTS order
    card_corners_px: FloatArray | None  # (4, 2) TL, TR, BR, BL
    measurements_mm: dict[str, float] | None
    side: str
    px_per_mm: float
    conditions: frozenset[str] = frozenset()

    @property
    def has_ear(self) -> bool:
        return self.ear_keypoints_px is not None

    @property
    def has_card(self) -> bool:
        return self.card_corners_px is not None


@dataclass(frozen=True)
class Camera:
    k: FloatArray  # 3x3 intrinsics
    r: FloatArray  # world -> camera rotation
    c: FloatArray  # camera centre in world mm

    def project(self, points: FloatArray) -> FloatArray:
        cam = (np.asarray(points, dtype=np.float64) - self.c) @ self.r.T
        uvw = cam @ self.k.T
        return np.asarray(uvw[:, :2] / uvw[:, 2:3], dtype=np.float64)

    def plane_homography(self) -> FloatArray:
        """Plane z = 0 (mm) -> pixels."""
        h = self.k @ np.column_stack([self.r[:, 0], self.r[:, 1], -self.r @ self.c])
        return np.asarray(h / h[2, 2], dtype=np.float64)


def _rotation(yaw: float, pitch: float, roll: float) -> FloatArray:
    cy, sy, cp, sp, cr, sr = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch), np.cos(roll), np.sin(roll)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return np.asarray(rz @ rx @ ry, dtype=np.float64)


def _camera(rng: np.random.Generator, size: tuple[int, int], box: FloatArray, fill: float, strong_tilt: bool) -> Camera:
    w, h = size
    f = rng.uniform(0.8, 1.3) * max(w, h)
    k = np.array([[f, 0, w / 2 + rng.normal(0, 0.01 * w)], [0, f, h / 2 + rng.normal(0, 0.01 * h)], [0, 0, 1]])
    limit = 35.0 if strong_tilt else 18.0
    r = _rotation(
        *np.deg2rad([rng.uniform(-limit, limit), rng.uniform(-limit * 0.7, limit * 0.7), rng.uniform(-12, 12)])
    )
    span = box[1] - box[0]
    px_per_mm = fill * min(w / span[0], h / span[1])
    distance = f / px_per_mm
    slack = np.array([w, h]) / px_per_mm - span
    target = np.append(box.mean(axis=0) + rng.uniform(-0.35, 0.35, 2) * np.maximum(slack, 0), 0.0)
    centre = target - distance * (r.T @ np.array([0.0, 0.0, 1.0]))
    return Camera(k, r, centre)


def _ellipse_at(centre: FloatArray, rx: float, ry: float, n: int = 48, rot: float = 0.0) -> FloatArray:
    return ellipse(float(centre[0]), float(centre[1]), rx, ry, n, rot=rot)


def _homography(src: FloatArray, dst: FloatArray) -> FloatArray:
    return np.asarray(cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)), dtype=np.float64)


def _mask(size: tuple[int, int], pts_px: FloatArray, blur: float = 0.0) -> F32:
    w, h = size
    m = np.zeros((h, w), np.uint8)
    cv2.fillPoly(m, [np.round(pts_px * 16).astype(np.int32)], 255, cv2.LINE_AA, shift=4)
    out = m.astype(np.float32) / 255
    return np.asarray(cv2.GaussianBlur(out, (0, 0), blur) if blur > 0.3 else out, dtype=np.float32)


def _background(rng: np.random.Generator, size: tuple[int, int], photos: Sequence[Image.Image]) -> F32:
    w, h = size
    if photos and rng.random() < 0.65:
        src = photos[int(rng.integers(len(photos)))]
        scale = rng.uniform(1.0, 2.5) * max(w / src.width, h / src.height)
        cw, ch = min(src.width, w / scale), min(src.height, h / scale)
        x0, y0 = rng.uniform(0, src.width - cw), rng.uniform(0, src.height - ch)
        crop = src.resize((w, h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
        arr = np.asarray(crop, dtype=np.float32)
        if rng.random() < 0.5:
            arr = arr[:, ::-1]
        return np.asarray(arr * rng.uniform(0.6, 1.2, 3), dtype=np.float32)
    base = np.ones((h, w, 3), np.float32) * rng.uniform(40, 230, 3).astype(np.float32)
    for _ in range(int(rng.integers(2, 8))):
        shape = ellipse(
            rng.uniform(0, w),
            rng.uniform(0, h),
            rng.uniform(0.05, 0.5) * w,
            rng.uniform(0.05, 0.5) * h,
            6 if rng.random() < 0.5 else 40,
            rot=rng.uniform(0, np.pi),
        )
        base = over(base, rng.uniform(0, 255, 3), _mask(size, shape, rng.uniform(0, 0.02) * w) * rng.uniform(0.4, 1))
    return np.asarray(base * (1 + 0.04 * noise_field(rng, (h, w), 30)[..., None]), dtype=np.float32)


def _finish(img: F32, rng: np.random.Generator, low_light: bool) -> tuple[Image.Image, bool]:
    """The phone: white balance, exposure, vignetting, blur, noise, sharpening, JPEG."""
    h, w = img.shape[:2]
    wb = np.exp(rng.normal(0, 0.07, 3)) * np.array([1 + rng.normal(0, 0.05), 1.0, 1 - rng.normal(0, 0.05)])
    exposure = rng.uniform(0.18, 0.4) if low_light else rng.uniform(0.6, 1.25)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) ** 2 + (yy - h / 2) ** 2) / (0.25 * (w * w + h * h))
    vignette = 1 - rng.uniform(0, 0.35) * r2
    out = img * (wb * exposure).astype(np.float32) * vignette[..., None]
    choice = rng.random()
    if choice < 0.15:  # hand shake: a short motion streak
        k = int(rng.integers(3, 8))
        kernel = np.zeros((k, k), np.float32)
        a = rng.uniform(0, np.pi)
        cv2.line(
            kernel,
            (int(k / 2 - k / 2 * np.cos(a)), int(k / 2 - k / 2 * np.sin(a))),
            (int(k / 2 + k / 2 * np.cos(a)), int(k / 2 + k / 2 * np.sin(a))),
            1.0,
            1,
        )
        out = cv2.filter2D(out, -1, kernel / kernel.sum())
    elif choice < 0.8:
        sigma = rng.uniform(0.2, 1.3) * min(w, h) / 480
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    linear = np.clip(out, 0, 255) / 255
    shot = rng.uniform(0.002, 0.012) * (3 if low_light else 1)
    read = rng.uniform(0.001, 0.008) * (3 if low_light else 1)
    sigma_map = np.sqrt(shot * shot * linear + read * read) * 255 * 3
    luma_noise = rng.standard_normal((h, w, 1)).astype(np.float32)
    chroma = cv2.GaussianBlur(rng.standard_normal((h, w, 3)).astype(np.float32), (0, 0), 1.2) * 0.6
    out = np.clip(out, 0, 255) + sigma_map * (luma_noise + chroma)
    if rng.random() < 0.5:  # the phone's own sharpening
        soft = cv2.GaussianBlur(out, (0, 0), 1.0)
        out = out + rng.uniform(0.2, 0.8) * (out - soft)
    pil = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=int(rng.integers(50, 96)))
    buf.seek(0)
    return Image.open(buf).convert("RGB"), exposure < 0.45


def _skin_blob(size: tuple[int, int], pts_px: FloatArray, skin: FloatArray, light_dir: FloatArray) -> tuple[F32, F32]:
    """A shaded skin shape (fingertip, hand): brighter towards the light, soft edge."""
    mask = _mask(size, pts_px, 1.0)
    w, h = size
    centre = pts_px.mean(axis=0)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = ((xx - centre[0]) * light_dir[0] + (yy - centre[1]) * light_dir[1]) / max(1.0, float(np.ptp(pts_px)))
    colour = skin[None, None, :] * np.clip(0.85 + 0.6 * ramp, 0.5, 1.2)[..., None]
    return colour.astype(np.float32), mask


def _distractor(
    img: F32,
    rng: np.random.Generator,
    size: tuple[int, int],
    h_plane: FloatArray,
    k: float,
    skin: FloatArray,
    light: FloatArray,
) -> F32:
    """Something that fooled earlier models: an eye, a cup handle, fingers."""
    w, hh = size
    centre = np.array([rng.uniform(0.25, 0.75) * w, rng.uniform(0.25, 0.75) * hh])
    kind = rng.integers(3)
    if kind == 0:  # eye: lids, sclera, iris, pupil, highlight
        rx, ry = 14 * k, 6 * k
        img = over(img, skin * 0.8, _mask(size, _ellipse_at(centre, rx * 1.3, ry * 1.8, 40), 2))
        img = over(img, np.array([235.0, 230, 225]), _mask(size, _ellipse_at(centre, rx, ry, 40), 1))
        img = over(
            img,
            rng.uniform(30, 140, 3),
            _mask(size, _ellipse_at(centre, 5.5 * k, 5.5 * k, 40), 1) * _mask(size, _ellipse_at(centre, rx, ry, 40)),
        )
        img = over(img, np.array([10.0, 10, 12]), _mask(size, _ellipse_at(centre, 2.2 * k, 2.2 * k, 30), 0.7))
        img = over(
            img, np.array([255.0, 255, 255]), _mask(size, _ellipse_at(centre - 1.5 * k, 0.8 * k, 0.8 * k, 16), 0.5)
        )
    elif kind == 1:  # cup handle: a shaded ring
        outer = _ellipse_at(centre, 16 * k, 22 * k, 48, rot=rng.uniform(-0.5, 0.5))
        inner = _ellipse_at(centre, 9 * k, 14 * k, 48, rot=rng.uniform(-0.5, 0.5))
        body = rng.uniform(60, 250, 3)
        ring = np.clip(_mask(size, outer, 1.5) - _mask(size, inner, 1.5), 0, 1)
        img = over(img, body * 0.55, np.clip(ring * 1.0, 0, 1))
        img = over(
            img,
            body,
            np.clip(_mask(size, outer - 1.5 * k * light[:2], 1.5) - _mask(size, inner + 1.5 * k * light[:2], 1.5), 0, 1)
            * ring,
        )
    else:  # two or three fingers side by side
        angle = rng.uniform(0, np.pi)
        for j in range(int(rng.integers(2, 4))):
            offset = np.array([np.cos(angle + np.pi / 2), np.sin(angle + np.pi / 2)]) * (j - 1) * 17 * k
            finger = _ellipse_at(centre + offset, 8 * k, 40 * k, 32, rot=angle)
            colour, mask = _skin_blob(size, finger, skin, light)
            img = over(img, colour, mask)
    return img


def render_scene(
    seed: int,
    *,
    size: tuple[int, int] | None = None,
    ear: bool | None = None,
    card: bool | None = None,
    fill: float | None = None,
    backgrounds: Sequence[Image.Image] = (),
) -> RenderedPhoto:
    """Render one photographic scene. ``ear``/``card`` force presence; ``None`` draws it at random.

    ``backgrounds``: photographs to composite behind the head (the negative set's training split
    when training, its evaluation split when evaluating); without them backgrounds are procedural.
    """
    rng = np.random.default_rng(seed)
    if size is None:
        size = ((384, 288), (288, 384), (336, 336))[int(rng.integers(3))]
    has_ear = bool(rng.random() > 0.15) if ear is None else ear
    has_card = bool(rng.random() > 0.2) if card is None else card
    side = 1 if rng.random() < 0.5 else -1  # +1: face towards -x in the image (a right ear)
    tone = int(rng.integers(len(SKIN_TONES)))
    skin = SKIN_TONES[tone] * rng.uniform(0.92, 1.08, 3)
    strong_tilt = rng.random() < 0.25
    low_light = rng.random() < 0.12
    light = random_light(rng)
    w, h = size

    ear_shape = sample_ear(rng)
    angle = np.deg2rad(rng.uniform(-20, 20))
    ca, sa = np.cos(angle), np.sin(angle)
    matrix = np.array([[ca * side, -sa], [sa * side, ca]])
    placed = transform_ear(ear_shape, matrix, np.zeros(2))
    ear_box = np.array([placed.outline.min(axis=0), placed.outline.max(axis=0)])

    portrait = rng.random() < 0.3
    cw, ch = (CARD_HEIGHT_MM, CARD_WIDTH_MM) if portrait else (CARD_WIDTH_MM, CARD_HEIGHT_MM)
    direction = rng.choice([0.0, np.pi, np.pi / 2, -np.pi / 2], p=[0.35, 0.35, 0.2, 0.1]) + rng.uniform(-0.5, 0.5)
    reach = np.array([np.cos(direction), np.sin(direction)])
    gap = np.abs(reach) @ ((ear_box[1] - ear_box[0]) / 2 + np.array([cw, ch]) / 2) + rng.uniform(3, 25)
    card_centre = ear_box.mean(axis=0) + reach * gap
    card_angle = np.deg2rad(rng.uniform(-20, 20)) + (np.pi / 2 if portrait else 0.0)
    tilt_limit = 14.0 if strong_tilt else 5.0
    tilt = np.deg2rad(rng.uniform(-tilt_limit, tilt_limit, 2))
    card_rot = _rotation(float(tilt[0]), float(tilt[1]), float(card_angle))
    local = np.array(
        [[0, 0], [CARD_WIDTH_MM, 0], [CARD_WIDTH_MM, CARD_HEIGHT_MM], [0, CARD_HEIGHT_MM]], dtype=np.float64
    )
    card_3d = np.column_stack([local - [CARD_WIDTH_MM / 2, CARD_HEIGHT_MM / 2], np.zeros(4)]) @ card_rot.T
    card_3d += np.append(card_centre, 0.0)

    boxes = [ear_box] if has_ear else []
    if has_card:
        boxes.append(np.array([card_3d[:, :2].min(axis=0), card_3d[:, :2].max(axis=0)]))
    if not boxes:
        boxes.append(np.array([[-60.0, -45.0], [60.0, 45.0]]))
    union = np.array([np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)])
    fill = float(rng.uniform(0.4, 0.9)) if fill is None else fill
    for _ in range(30):
        cam = _camera(rng, size, union, fill, strong_tilt)
        pts = [np.column_stack([union, np.zeros(2)])]
        if has_ear:
            pts.append(np.column_stack([placed.outline, np.zeros(len(placed.outline))]))
        if has_card:
            pts.append(card_3d)
        px = cam.project(np.vstack(pts))
        margin = 0.02 * min(size)
        if px.min() > margin and np.all(px.max(axis=0) < np.array(size) - margin):
            break
        fill *= 0.93
    h_plane = cam.plane_homography()
    k = float(
        np.linalg.norm(
            np.diff(cam.project(np.array([[0.0, 0, 0], [1.0, 0, 0]]) + np.append(ear_box.mean(axis=0), 0)), axis=0)
        )
    )

    img = _background(rng, size, backgrounds)
    conditions: set[str] = set()
    with_head = has_ear or rng.random() < 0.6
    if with_head:
        head = ellipse(-side * rng.uniform(10, 50), rng.uniform(0, 40), rng.uniform(90, 130), rng.uniform(110, 150), 64)
        head_px = cv2.perspectiveTransform(head[None].astype(np.float64), h_plane)[0]
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        hc, hr = head_px.mean(axis=0), np.ptp(head_px, axis=0) / 2
        nx, ny = (xx - hc[0]) / hr[0], (yy - hc[1]) / hr[1]
        nz = np.sqrt(np.clip(1 - nx * nx - ny * ny, 0.05, 1))
        lam = np.clip(nx * light.direction[0] + ny * light.direction[1] + nz * light.direction[2], 0, 1)
        shade = light.ambient + (1 - light.ambient) * lam
        img = over(img, skin_layer(rng, (h, w), skin, k) * shade[..., None], _mask(size, head_px, 4 * k))
        hair_colour = HAIR_COLOURS[int(rng.integers(len(HAIR_COLOURS)))] * rng.uniform(0.8, 1.2)
        top = ear_box[0, 1] - rng.uniform(4, 25)
        back_x = ear_box[1, 0] + rng.uniform(5, 30) if side > 0 else ear_box[0, 0] - rng.uniform(5, 30)
        far = 400.0 * side
        region = np.array([[-far, -400], [far, -400], [far, 400], [back_x, 400], [back_x, top], [-far, top]])
        region_px = cv2.perspectiveTransform((region + rng.normal(0, 2.0, region.shape))[None], h_plane)[0]
        hair = hair_layer(rng, (h, w), hair_colour, k, rng.uniform(1.2, 1.9))
        img = over(img, hair * shade[..., None].clip(0.4, 1), _mask(size, region_px, 2.5 * k))
    else:
        hair_colour = HAIR_COLOURS[0]

    card_layer: tuple[F32, F32] | None = None
    card_px = None
    if has_card:
        art = card_art.card_artwork(rng)
        ah, aw = art.shape[:2]
        card_px = cam.project(card_3d)
        to_img = _homography(np.array([[0, 0], [aw, 0], [aw, ah], [0, ah]], dtype=np.float64), card_px)
        warped = warp_layer(art, to_img, size)
        card_layer = (warped[..., :3], warped[..., 3])
        shift = -light.direction[:2] / max(light.direction[2], 0.3) * rng.uniform(1.0, 4.0) * k
        shadow = translate(warped[..., 3], float(shift[0]), float(shift[1]))
        img = img * (1 - 0.45 * cv2.GaussianBlur(shadow, (0, 0), 2.5 * k)[..., None])

    ear_px = None
    if has_ear:
        raster = render_ear(
            ear_shape, rng, skin * rng.uniform(0.95, 1.06), light, ppm=float(np.clip(1.6 * k, 3.0, 12.0))
        )
        place = np.array([[matrix[0, 0], matrix[0, 1], 0], [matrix[1, 0], matrix[1, 1], 0], [0, 0, 1]])
        warped = warp_layer(raster.rgba, h_plane @ place @ raster.to_local, size)
        shift = -light.direction[:2] / max(light.direction[2], 0.3) * rng.uniform(2.0, 6.0) * k
        shadow = translate(warped[..., 3], float(shift[0]), float(shift[1]))
        img = img * (1 - 0.5 * cv2.GaussianBlur(shadow, (0, 0), 2.0 * k)[..., None] * (1 - warped[..., 3:4]))
        img = over(img, warped[..., :3], warped[..., 3])
        ear_px = cv2.perspectiveTransform(placed.keypoints[None], h_plane)[0]
        img, hair_over = _ear_extras(img, rng, size, placed, h_plane, k, hair_colour)
        if hair_over:
            conditions.add("hair")
    if (not has_ear and rng.random() < 0.6) or rng.random() < 0.1:
        img = _distractor(img, rng, size, h_plane, k, skin, light.direction)
    if card_layer is not None and card_px is not None:
        img = over(img, *card_layer)
        if rng.random() < 0.5:  # fingers holding the card by one edge
            edge = int(rng.integers(4))
            mid = (card_px[edge] + card_px[(edge + 1) % 4]) / 2
            out = mid - card_px.mean(axis=0)
            out /= np.linalg.norm(out)
            tip = _ellipse_at(mid + out * 5 * k, 8 * k, 12 * k, 32, rot=float(np.arctan2(out[1], out[0]) + np.pi / 2))
            colour, mask = _skin_blob(size, tip, skin, light.direction)
            img = over(img, colour, mask)

    image, dark = _finish(img, rng, low_light)
    measurements = None
    if has_ear:
        idx = {name: i for i, name in enumerate(EAR_KEYPOINTS)}
        measurements = {
            m: float(np.linalg.norm(ear_shape.keypoints[idx[a]] - ear_shape.keypoints[idx[b]]))
            for m, (a, b) in MEASUREMENT_PAIRS.items()
        }
    if not has_card:
        conditions.add("no_card")
    elif strong_tilt:
        conditions.add("tilted_card")
    if tone >= DARK_SKIN_FROM:
        conditions.add("dark_skin")
    if dark:
        conditions.add("low_light")
    if ear_px is not None and np.linalg.norm(ear_px[0] - ear_px[1]) < SMALL_EAR_FRACTION * max(size):
        conditions.add("small_ear")
    corners = order_card_corners(card_px) if card_px is not None else None
    return RenderedPhoto(
        image, ear_px, corners, measurements, "right" if side > 0 else "left", k, frozenset(conditions)
    )


def _ear_extras(
    img: F32,
    rng: np.random.Generator,
    size: tuple[int, int],
    ear: object,
    h_plane: FloatArray,
    k: float,
    hair: FloatArray,
) -> tuple[F32, bool]:
    """Hair strands over the ear, an earring on the lobe, a glasses arm over the helix root."""
    from inference.training.ear_shape import Ear

    assert isinstance(ear, Ear)
    w, h = size
    kp = ear.keypoints
    top, bottom, front, back = kp[0], kp[1], kp[2], kp[3]
    hair_over = rng.random() < 0.3
    if hair_over:
        strands = np.zeros((h, w), np.float32)
        for _ in range(int(rng.integers(15, 60))):
            x0 = rng.uniform(min(front[0], back[0]), max(front[0], back[0]))
            start = np.array([x0 + rng.normal(0, 10), top[1] - rng.uniform(5, 20)])
            reach = rng.uniform(5, 0.35 * (bottom[1] - top[1]))
            bend = rng.normal(0, 6)
            t = np.linspace(0, 1, 12)[:, None]
            curve = start + t * np.array([bend, reach]) + (t**2) * np.array([rng.normal(0, 4), 0])
            pts = cv2.perspectiveTransform(curve[None], h_plane)[0]
            cv2.polylines(
                strands,
                [np.round(pts * 16).astype(np.int32)],
                False,
                float(rng.uniform(0.5, 1)),
                max(1, int(0.12 * k)),
                cv2.LINE_AA,
                shift=4,
            )
        img = over(img, hair * rng.uniform(0.7, 1.3), np.clip(strands, 0, 1))
    if rng.random() < 0.2:  # earring: a stud or a small hoop at the lobe
        lobe = (bottom + 0.12 * (top - bottom))[None]
        centre = cv2.perspectiveTransform(lobe[None], h_plane)[0][0]
        metal = np.array([225.0, 200, 120]) if rng.random() < 0.5 else np.array([205.0, 205, 210])
        r = rng.uniform(1.2, 2.2) * k
        if rng.random() < 0.5:
            img = over(img, metal, _mask(size, _ellipse_at(centre, r, r, 24), 0.5))
            img = over(
                img, np.array([255.0, 255, 255]), _mask(size, _ellipse_at(centre - 0.3 * r, 0.3 * r, 0.3 * r, 12), 0.4)
            )
        else:
            ring = np.zeros((h, w), np.float32)
            cv2.ellipse(
                ring,
                (int(centre[0]), int(centre[1] + 3 * r)),
                (int(3 * r), int(4 * r)),
                0,
                0,
                360,
                1.0,
                max(1, int(0.5 * k)),
                cv2.LINE_AA,
            )
            img = over(img, metal, ring)
    if rng.random() < 0.2:  # glasses arm: from the face side, over the helix root, down behind the ear
        y = top[1] + 0.2 * (bottom[1] - top[1])
        path = np.array(
            [
                [front[0] - 40 * np.sign(back[0] - front[0]), y - 2],
                [front[0], y],
                [0.5 * (front[0] + back[0]), top[1] + 3],
                [back[0] - 2 * np.sign(back[0] - front[0]), y + 8],
                [back[0], y + 25],
            ]
        )
        pts = cv2.perspectiveTransform(path[None].astype(np.float64), h_plane)[0]
        arm = np.zeros((h, w), np.float32)
        cv2.polylines(
            arm, [np.round(pts * 16).astype(np.int32)], False, 1.0, max(2, int(2.5 * k)), cv2.LINE_AA, shift=4
        )
        img = over(img, rng.uniform(10, 90, 3), np.asarray(cv2.GaussianBlur(arm, (0, 0), 0.5), dtype=np.float32))
    return img, hair_over


def paste_card(image: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, FloatArray]:
    """A drawn card pasted into a photo at a random pose, with its shadow; returns the corners (TL..BL).

    Used to make negatives that hold a real-looking card but no ear: the card must never lend mm
    to a photo with no ear in it.
    """
    w, h = image.size
    art = card_art.card_artwork(rng)
    ah, aw = art.shape[:2]
    width = rng.uniform(0.2, 0.5) * w
    height = width * CARD_HEIGHT_MM / CARD_WIDTH_MM
    if rng.random() < 0.3:
        width, height = height, width
    # A true perspective view of a flat card: tilted up to 25° about both axes, seen by a phone.
    tilt = np.deg2rad(rng.uniform(-25, 25, 2))
    rot = _rotation(float(tilt[0]), float(tilt[1]), float(rng.uniform(-0.45, 0.45)))
    f = rng.uniform(0.8, 1.3) * max(w, h)
    distance = f * CARD_WIDTH_MM / max(width, height)
    centre = np.array([rng.uniform(0.3, 0.7) * w, rng.uniform(0.3, 0.7) * h])
    half = np.array([width, height]) / max(width, height) * CARD_WIDTH_MM / 2
    rect = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], dtype=np.float64) * np.append(half, 0)
    principal = np.array([w / 2, h / 2])
    cam_pts = rect @ rot.T + np.append((centre - principal) / f * distance, distance)
    corners = cam_pts[:, :2] / cam_pts[:, 2:3] * f + principal
    src = np.array([[0, 0], [aw, 0], [aw, ah], [0, ah]], dtype=np.float64)
    if width < height:
        src = np.roll(src, 1, axis=0)  # a portrait card: the artwork turned a quarter
    warped = warp_layer(art, _homography(src, corners), (w, h))
    base = np.asarray(image.convert("RGB"), dtype=np.float32)
    shadow = cv2.GaussianBlur(translate(warped[..., 3], 4, 5), (0, 0), 4)
    base = base * (1 - 0.4 * shadow[..., None])
    out = over(base, warped[..., :3], warped[..., 3])
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), order_card_corners(corners)


def photo_view(picture: Image.Image, rng: np.random.Generator, size: tuple[int, int], *, card: bool) -> RenderedPhoto:
    """A phone-like view of a real photograph (random crop, optional drawn card, the phone's finish).

    Ground truth: no ear; the card's corners when one was pasted.
    """
    w, h = size
    scale = rng.uniform(1.0, 3.0) * max(w / picture.width, h / picture.height)
    cw, ch = min(picture.width, w / scale), min(picture.height, h / scale)
    x0, y0 = rng.uniform(0, picture.width - cw), rng.uniform(0, picture.height - ch)
    view = picture.resize((w, h), Image.Resampling.BILINEAR, box=(x0, y0, x0 + cw, y0 + ch))
    corners = None
    if card:
        view, corners = paste_card(view, rng)
    finished, _ = _finish(np.asarray(view, dtype=np.float32) / 0.9, rng, low_light=False)
    return RenderedPhoto(finished, None, corners, None, "none", 0.0, frozenset({"real_photo"}))
