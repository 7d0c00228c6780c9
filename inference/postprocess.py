"""Model outputs → measurements in mm, quality checks with retake guidance, and a tip size.

Scale: the card's four corners give a homography from the photo to the card's plane in mm; the
ear is assumed to lie in that plane (the card is held flat beside it), so ear landmarks map into
mm through the same homography, which also undoes mild perspective. Without a card, measurements
are ratios to ear length.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageFilter

from inference.geometry import FloatArray, apply_homography, image_to_card_plane, order_card_corners
from inference.keypoints import EAR_KEYPOINTS, MEASUREMENT_PAIRS, ear_index
from inference.registry import ModelSpec
from inference.types import Measurement, QualityIssue, TipSize, TipSizeEstimate

RETAKE_GUIDANCE = {
    "no_ear": "We could not find an ear. Hold the camera level with your ear, about 25 cm away, "
    "so the whole ear fills the middle of the picture.",
    "no_reference_card": "We could not see the bank card, so sizes are estimates. Hold any bank "
    "card flat against your head right beside the ear, with all four corners in the picture.",
    "blurry": "The photo is blurry. Hold the phone steady, tap the ear to focus, and take it again.",
    "too_dark": "The photo is too dark. Face a window or turn on a light, and take it again.",
    "too_bright": "The photo is too bright. Move out of direct sunlight or away from the flash "
    "glare, and take it again.",
    "ear_too_small": "The ear is too small in the picture. Move the camera closer so the ear and "
    "the card fill most of the frame.",
    "bad_pose": "The ear or card is seen at an angle. Point the camera straight at the side of "
    "your head, keep the card flat, and take it again.",
}
BLOCKING = {"no_ear", "blurry", "too_dark", "too_bright", "ear_too_small", "bad_pose"}

# Thresholds, chosen on rendered photos and deliberately lenient: a false "retake" costs a
# shopper a minute, a false "fine" costs a wrong size. Darkness is judged on the brightest part of
# the whole photo (95th percentile of luma), never on the ear's skin, so dark skin is not "too dark".
DARK_P95 = 35.0  # 95th percentile of luma (0..255) over the photo
BRIGHT_MEAN = 235.0  # mean luma over the photo
CLIPPED_FRACTION = 0.35  # share of ear-region pixels at >= 250 (blown-out highlights)
BLUR_VARIANCE = 6.0  # variance of the Laplacian on the ear scaled to 96 px tall (renders: 2 % < 9.7)
EAR_MIN_FRACTION = 0.08  # ear length / long side of the photo
EAR_MIN_PX = 48.0
MAX_EAR_TILT_DEG = 40.0
EAR_RATIO_RANGE = (0.35, 0.85)  # width / length; outside it the ear is turned away
MAX_CARD_TILT_DEG = 40.0
CARD_ASPECT_TOLERANCE = 0.35

# Tip-size bands on the intertragal notch width (mm). The notch is the visible proxy for the canal
# entrance; ear-tip ranges usually step by about 1 mm of canal diameter per size, centred on the
# adult median (~8 mm). These edges are a starting assumption to validate with fitting feedback.
TIP_BANDS: tuple[tuple[TipSize, float, float], ...] = (
    ("XS", -math.inf, 6.5),
    ("S", 6.5, 7.5),
    ("M", 7.5, 8.5),
    ("L", 8.5, 9.5),
    ("XL", 9.5, math.inf),
)


def issue(code: str) -> QualityIssue:
    return QualityIssue(code, RETAKE_GUIDANCE[code], code in BLOCKING)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def tip_size_from_notch(notch_mm: float, uncertainty: float) -> TipSizeEstimate:
    """A starting tip size from the notch width, or an abstention.

    Abstains when ``notch_mm ± uncertainty`` spans more than one whole band (it reaches into three
    or more bands), since then even the neighbour sizes are not a fair guess. Confidence is the
    probability, under a normal error of that uncertainty, that the true width is in the band.
    """
    if not math.isfinite(notch_mm) or uncertainty < 0 or not math.isfinite(uncertainty):
        return TipSizeEstimate(None, 0.0, True, "no usable notch measurement")
    lo, hi = notch_mm - uncertainty, notch_mm + uncertainty
    touched = [name for name, a, b in TIP_BANDS if a < hi and lo < b]
    size, a, b = next(band for band in TIP_BANDS if band[1] <= notch_mm < band[2])
    sigma = max(uncertainty, 1e-6)
    mass = _normal_cdf((b - notch_mm) / sigma) - _normal_cdf((a - notch_mm) / sigma)
    if len(touched) > 2:
        return TipSizeEstimate(None, round(mass, 3), True, f"uncertainty spans sizes {touched[0]} to {touched[-1]}")
    reason = f"notch {notch_mm:.1f} ± {uncertainty:.1f} mm is in band {size}"
    if len(touched) == 2:
        reason += f" (near {touched[0] if touched[1] == size else touched[1]})"
    return TipSizeEstimate(size, round(mass, 3), False, reason)


def measure(
    ear_px: FloatArray, ear_spread: FloatArray, card_px: FloatArray | None, spec: ModelSpec, spread_ref: float
) -> tuple[tuple[Measurement, ...], float | None]:
    """Measurements in mm with the card (and mm per px at the ear), else ratios to ear length."""

    def spread_factor(a: str, b: str) -> float:
        s = float(ear_spread[ear_index(a)] + ear_spread[ear_index(b)]) / 2
        return float(np.clip(s / spread_ref, 1.0, 3.0)) if spread_ref > 0 else 1.0

    if card_px is not None:
        h = image_to_card_plane(card_px)
        plane = apply_homography(h, ear_px)
        out = []
        for name, (a, b) in MEASUREMENT_PAIRS.items():
            value = float(np.linalg.norm(plane[ear_index(a)] - plane[ear_index(b)]))
            sigma = spec.sigma_mm(name) * spread_factor(a, b)
            out.append(Measurement(name, round(value, 2), round(sigma, 2), "mm"))
        top, bottom = ear_index("helix_top"), ear_index("lobe_bottom")
        px_len = float(np.linalg.norm(ear_px[top] - ear_px[bottom]))
        mm_len = float(np.linalg.norm(plane[top] - plane[bottom]))
        return tuple(out), (mm_len / px_len if px_len > 0 else None)
    length = float(np.linalg.norm(ear_px[ear_index("helix_top")] - ear_px[ear_index("lobe_bottom")]))
    out = []
    for name, (a, b) in MEASUREMENT_PAIRS.items():
        value = float(np.linalg.norm(ear_px[ear_index(a)] - ear_px[ear_index(b)])) / max(length, 1e-6)
        # Relative values carry the landmark error and no scale error, but no real-world anchor
        # either: their uncertainty is taken at 1.5x the mm error over a typical 62 mm ear.
        sigma = 1.5 * spec.sigma_mm(name) / 62.0 * spread_factor(a, b)
        out.append(Measurement(name, round(value, 4), round(sigma, 4), "ratio"))
    return tuple(out), None


def ear_region(image: Image.Image, ear_px: FloatArray) -> Image.Image:
    """The ear's bounding box, grey, scaled so the ear is 96 px tall (scale-free image statistics)."""
    lo = np.floor(ear_px.min(axis=0)).astype(int)
    hi = np.ceil(ear_px.max(axis=0)).astype(int)
    w, h = image.size
    box = (max(0, int(lo[0])), max(0, int(lo[1])), min(w, int(hi[0]) + 1), min(h, int(hi[1]) + 1))
    crop = image.crop(box).convert("L")
    scale = 96.0 / max(1, crop.size[1])
    size = (max(8, round(crop.size[0] * scale)), 96)
    return crop.resize(size, Image.Resampling.BILINEAR)


def laplacian_variance(grey: Image.Image) -> float:
    kernel = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
    arr = np.asarray(grey.filter(kernel), dtype=np.float64)[1:-1, 1:-1]
    return float(arr.var())


def photometric_issues(image: Image.Image, ear_px: FloatArray | None) -> list[QualityIssue]:
    """too_dark / too_bright on the whole photo; blurry on the ear, scaled to a fixed size."""
    whole = np.asarray(image.convert("L").resize((128, 96), Image.Resampling.BILINEAR), dtype=np.float64)
    region = ear_region(image, ear_px) if ear_px is not None else None
    found = []
    if float(np.percentile(whole, 95)) < DARK_P95:
        found.append(issue("too_dark"))
    elif whole.mean() > BRIGHT_MEAN or (
        region is not None and (np.asarray(region, dtype=np.float64) >= 250).mean() > CLIPPED_FRACTION
    ):
        found.append(issue("too_bright"))
    if region is not None and not found and laplacian_variance(region) < BLUR_VARIANCE:
        found.append(issue("blurry"))
    return found


def geometric_issues(image_size: tuple[int, int], ear_px: FloatArray, card_px: FloatArray | None) -> list[QualityIssue]:
    found = []
    top, bottom = ear_px[ear_index("helix_top")], ear_px[ear_index("lobe_bottom")]
    front, back = ear_px[ear_index("ear_front")], ear_px[ear_index("ear_back")]
    length = float(np.linalg.norm(bottom - top))
    if length < max(EAR_MIN_PX, EAR_MIN_FRACTION * max(image_size)):
        found.append(issue("ear_too_small"))
    axis = bottom - top
    tilt = abs(math.degrees(math.atan2(float(axis[0]), float(axis[1]))))
    ratio = float(np.linalg.norm(back - front)) / max(length, 1e-6)
    bad = tilt > MAX_EAR_TILT_DEG or not EAR_RATIO_RANGE[0] <= ratio <= EAR_RATIO_RANGE[1]
    if card_px is not None:
        c = order_card_corners(card_px)
        sides = [float(np.linalg.norm(c[(i + 1) % 4] - c[i])) for i in range(4)]
        pair_a, pair_b = sides[0] + sides[2], sides[1] + sides[3]
        aspect = max(pair_a, pair_b) / max(min(pair_a, pair_b), 1e-6)
        top_edge = c[1] - c[0]  # near horizontal for a landscape or a portrait card held upright
        card_tilt = math.degrees(math.atan2(float(top_edge[1]), float(top_edge[0])))
        expected = 85.60 / 53.98
        bad = bad or abs(aspect / expected - 1) > CARD_ASPECT_TOLERANCE or abs(card_tilt) > MAX_CARD_TILT_DEG
    if bad:
        found.append(issue("bad_pose"))
    return found


__all__ = [
    "EAR_KEYPOINTS",
    "RETAKE_GUIDANCE",
    "TIP_BANDS",
    "geometric_issues",
    "issue",
    "measure",
    "photometric_issues",
    "tip_size_from_notch",
]
