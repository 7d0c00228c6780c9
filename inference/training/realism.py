"""Shaded skin for the photographic renderer: a 3-D-looking ear from a height map, and its layers.

The ear is built as a height map in its own millimetre frame (helix rim, scapha groove, antihelix
ridge, concha bowl with the canal's shadow, tragus and antitragus, a fleshy lobe), lit by one
light (Lambert plus a Blinn-Phong highlight for skin's sheen), darkened in its cavities (ambient
occlusion from the blurred height) and by its own cast shadows, then coloured with a skin tone that
varies (redder rim and lobe, pores). The result is an RGBA raster that the scene warps into the
photo through the camera's homography, so the shading moves with the head's pose.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from inference.geometry import FloatArray
from inference.training.ear_shape import Ear

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Light:
    direction: FloatArray  # unit vector towards the light, camera frame (x right, y down, z to camera)
    ambient: float
    specular: float
    shininess: float


def random_light(rng: np.random.Generator) -> Light:
    """Mostly from above and in front, as from a window or a ceiling lamp, sometimes from the side."""
    azimuth = rng.uniform(0, 2 * np.pi)
    elevation = np.deg2rad(rng.uniform(25, 75))
    d = np.array([np.cos(azimuth) * np.cos(elevation), -abs(np.sin(azimuth)) * np.cos(elevation), np.sin(elevation)])
    if rng.random() < 0.3:
        d[1] = -d[1]  # light from below (a desk lamp or a screen)
    return Light(
        d / np.linalg.norm(d), float(rng.uniform(0.25, 0.5)), float(rng.uniform(0.05, 0.35)), float(rng.uniform(8, 40))
    )


def noise_field(rng: np.random.Generator, shape: tuple[int, int], scale_px: float) -> F32:
    """Smooth noise with features about ``scale_px`` wide, zero mean, unit standard deviation."""
    h, w = shape
    small = rng.standard_normal((max(2, int(h / scale_px) + 2), max(2, int(w / scale_px) + 2))).astype(np.float32)
    field = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    std = float(field.std()) or 1.0
    return np.asarray((field - field.mean()) / std, dtype=np.float32)


def _poly_mask(shape: tuple[int, int], pts_px: FloatArray, blur_px: float = 0.0) -> F32:
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(pts_px * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    out = mask.astype(np.float32) / 255.0
    if blur_px > 0.3:
        return np.asarray(cv2.GaussianBlur(out, (0, 0), blur_px), dtype=np.float32)
    return out


@dataclass(frozen=True)
class EarRaster:
    rgba: F32  # (H, W, 4), colour 0..255 and alpha 0..1
    to_local: FloatArray  # 3x3: raster px -> the ear's own mm frame


def render_ear(ear: Ear, rng: np.random.Generator, skin: FloatArray, light: Light, ppm: float) -> EarRaster:
    """The ear as a lit RGBA raster at ``ppm`` pixels per mm of its own frame."""
    lo = ear.outline.min(axis=0) - 4.0
    hi = ear.outline.max(axis=0) + 4.0
    w, h = (int(np.ceil((hi - lo)[0] * ppm)), int(np.ceil((hi - lo)[1] * ppm)))
    shape = (h, w)

    def px(p: FloatArray) -> FloatArray:
        return np.asarray((p - lo) * ppm, dtype=np.float64)

    mask = _poly_mask(shape, px(ear.outline))
    inside = (mask > 0.5).astype(np.uint8)
    dist = cv2.distanceTransform(inside, cv2.DIST_L2, 5).astype(np.float32) / ppm
    ys = (np.arange(h, dtype=np.float32)[:, None] / ppm + lo[1]) * np.ones((1, w), np.float32)
    length = float(np.ptp(ear.outline[:, 1]))
    top = float(ear.outline[:, 1].min())
    rel_y = (ys - top) / length  # 0 at the helix top, 1 at the lobe
    lobe = np.clip((rel_y - 0.68) / 0.12, 0, 1)
    rim_depth = float(rng.uniform(1.2, 2.4))

    height = 2.8 * (1 - np.exp(-dist / 2.2))
    height += rim_depth * np.exp(-(((dist - 1.7) / 1.1) ** 2)) * (1 - lobe)
    height -= float(rng.uniform(1.0, 2.0)) * _poly_mask(shape, px(ear.scapha), 1.2 * ppm)
    height += float(rng.uniform(1.2, 2.4)) * _poly_mask(shape, px(ear.antihelix), 0.9 * ppm)
    concha = _poly_mask(shape, px(ear.concha), 1.8 * ppm)
    height -= float(rng.uniform(5.0, 8.0)) * concha
    canal_centre = ear.concha.mean(axis=0) + np.array([-0.25, 0.15]) * np.ptp(ear.concha, axis=0)
    canal = np.stack([canal_centre + 3.2 * np.array([np.cos(t), 0.8 * np.sin(t)]) for t in np.linspace(0, 6.28, 24)])
    height -= 4.0 * _poly_mask(shape, px(canal), 1.5 * ppm)
    height += float(rng.uniform(2.0, 3.5)) * _poly_mask(shape, px(ear.tragus), 0.9 * ppm)
    height += float(rng.uniform(1.5, 3.0)) * _poly_mask(shape, px(ear.antitragus), 0.9 * ppm)
    height = (height * np.clip(mask * 1.2, 0, 1)).astype(np.float32)

    gy, gx = np.gradient(height, 1.0 / ppm)
    normal = np.stack([-gx, -gy, np.ones_like(gx)], axis=-1)
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    ld = light.direction
    diffuse = np.clip(normal @ ld, 0, 1)
    half = ld + np.array([0.0, 0.0, 1.0])
    half /= np.linalg.norm(half)
    spec = light.specular * np.clip(normal @ half, 0, 1) ** light.shininess
    occlusion = np.clip((cv2.GaussianBlur(height, (0, 0), 3.0 * ppm) - height) / 4.0, 0, 1)
    shadow = _cast_shadow(height, ld, ppm)

    tone = skin * (1 + 0.05 * noise_field(rng, shape, 6 * ppm)[..., None])
    redness = np.clip(np.exp(-(((dist - 1.5) / 1.6) ** 2)) * (1 - lobe) + 0.6 * lobe, 0, 1)[..., None]
    tone = tone * (1 - 0.12 * redness) + redness * 0.12 * np.array([235.0, 120.0, 110.0]) * (skin.mean() / 170)
    pores = 1 + float(rng.uniform(0.02, 0.06)) * noise_field(rng, shape, max(1.0, 0.4 * ppm))
    light_term = light.ambient + (1 - light.ambient) * diffuse * shadow
    colour = tone * pores[..., None] * (light_term * (1 - 0.65 * occlusion))[..., None]
    colour += (spec * shadow)[..., None] * np.array([255.0, 245.0, 235.0])
    alpha = cv2.GaussianBlur(mask, (0, 0), 0.35 * ppm)
    rgba = np.concatenate([np.clip(colour, 0, 255), alpha[..., None]], axis=-1).astype(np.float32)
    to_local = np.array([[1 / ppm, 0, lo[0]], [0, 1 / ppm, lo[1]], [0, 0, 1]])
    return EarRaster(rgba, to_local)


def _cast_shadow(height: F32, light: FloatArray, ppm: float) -> F32:
    """1 where lit, towards 0 where a higher part of the ear stands between the point and the light."""
    horiz = float(np.hypot(light[0], light[1]))
    if horiz < 1e-3:
        return np.ones_like(height)
    step = np.array([light[0], light[1]]) / horiz
    rise = float(light[2]) / horiz  # mm of height per mm travelled towards the light
    lit = np.ones_like(height)
    for t in (0.7, 1.5, 2.5, 3.8, 5.5, 7.5):
        ahead = translate(height, -step[0] * t * ppm, -step[1] * t * ppm, replicate=True)
        lit = np.minimum(lit, np.clip(1 - (ahead - height - rise * t) / 1.5, 0, 1))
    return np.asarray(0.35 + 0.65 * cv2.GaussianBlur(lit, (0, 0), 0.6 * ppm), dtype=np.float32)


def translate(image: F32, dx: float, dy: float, *, replicate: bool = False) -> F32:
    """``image`` moved by (dx, dy) pixels; what comes in from outside is 0 (or the edge, replicated)."""
    h, w = image.shape[:2]
    shift = np.array([[1, 0, dx], [0, 1, dy]], dtype=np.float32)
    border = cv2.BORDER_REPLICATE if replicate else cv2.BORDER_CONSTANT
    return np.asarray(cv2.warpAffine(image, shift, (w, h), borderMode=border), dtype=np.float32)


def warp_layer(rgba: F32, matrix: FloatArray, size: tuple[int, int]) -> F32:
    """Warp an RGBA raster into the photo through ``matrix`` (raster px -> photo px)."""
    return np.asarray(
        cv2.warpPerspective(rgba, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0),
        dtype=np.float32,
    )


def over(base: F32, layer_rgb: F32 | FloatArray, alpha: F32) -> F32:
    """Alpha-composite a layer (colour image or one colour) over ``base`` (H, W, 3)."""
    a = alpha[..., None]
    return np.asarray(base * (1 - a) + np.asarray(layer_rgb, dtype=np.float32) * a, dtype=np.float32)


def skin_layer(rng: np.random.Generator, shape: tuple[int, int], skin: FloatArray, px_per_mm: float) -> F32:
    """Skin of the side of the head: tone drift over centimetres, pores and fine hair at sub-mm."""
    tone = skin[None, None, :] * (1 + 0.06 * noise_field(rng, shape, 25 * px_per_mm)[..., None])
    grain = 1 + float(rng.uniform(0.015, 0.05)) * noise_field(rng, shape, max(1.0, 0.5 * px_per_mm))
    return np.asarray(tone * grain[..., None], dtype=np.float32)


def hair_layer(
    rng: np.random.Generator, shape: tuple[int, int], colour: FloatArray, px_per_mm: float, angle: float
) -> F32:
    """Hair as fine streaks along ``angle`` (radians), with highlights and dark gaps between strands."""
    h, w = shape
    streak = rng.standard_normal((h, w)).astype(np.float32)
    k = max(5, int(12 * px_per_mm) | 1)
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    cv2.line(
        kernel,
        (int(c - c * np.cos(angle)), int(c - c * np.sin(angle))),
        (int(c + c * np.cos(angle)), int(c + c * np.sin(angle))),
        1.0,
        1,
    )
    kernel /= kernel.sum()
    streaks = np.asarray(cv2.filter2D(streak, -1, kernel), dtype=np.float32)
    streak = streaks / (float(streaks.std()) or 1.0)
    shade = 1 + 0.25 * streak + 0.15 * noise_field(rng, shape, 15 * px_per_mm)
    return np.asarray(colour[None, None, :] * np.clip(shade, 0.3, 1.8)[..., None], dtype=np.float32)
