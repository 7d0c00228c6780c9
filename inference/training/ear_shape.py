"""The synthetic ear: its outline, folds and ten landmarks, in millimetres in its own plane.

Proportions follow published adult anthropometry (see renderer.py); everything is drawn from the
generator it is given, so the same seed gives the same ear.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from inference.geometry import FloatArray
from inference.keypoints import EAR_KEYPOINTS


@dataclass(frozen=True)
class Ear:
    outline: FloatArray
    scapha: FloatArray
    antihelix: FloatArray
    concha: FloatArray
    tragus: FloatArray
    antitragus: FloatArray
    keypoints: FloatArray


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48, rot: float = 0.0) -> FloatArray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x, y = rx * np.cos(t), ry * np.sin(t)
    c, s = np.cos(rot), np.sin(rot)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], axis=1)


def sample_ear(rng: np.random.Generator) -> Ear:
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
    concha = ellipse(cx, cy, concha_w / 2, concha_h / 2, 60)
    yn = cy + 0.3 * concha_h
    xc = cx - 0.1 * concha_w
    notch_front = np.array([xc - notch / 2, yn])
    notch_back = np.array([xc + notch / 2, yn + rng.normal(0.6, 0.3)])
    tragus = ellipse(0, 0, 3.2, 6.0, 32) + (notch_front - ellipse(0, 0, 3.2, 6.0, 32)[5])
    anti_shape = ellipse(0, 0, 5.0, 3.0, 32, rot=-0.5)
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
    return Ear(outline, scapha, antihelix, concha, tragus, antitragus, keypoints)


def transform_ear(ear: Ear, matrix: FloatArray, offset: FloatArray) -> Ear:
    def f(p: FloatArray) -> FloatArray:
        return np.asarray(p @ matrix.T + offset, dtype=np.float64)

    return Ear(
        f(ear.outline),
        f(ear.scapha),
        f(ear.antihelix),
        f(ear.concha),
        f(ear.tragus),
        f(ear.antitragus),
        f(ear.keypoints),
    )
