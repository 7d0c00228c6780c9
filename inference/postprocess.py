"""Model outputs → measurements in mm, quality checks with retake guidance, and a tip size.

Scale: the card's four corners give a homography from the photo to the card's plane in mm; the
ear is assumed to lie in that plane (the card is held flat beside it), so ear landmarks map into
mm through the same homography, which also undoes mild perspective. Without a card, measurements
are ratios to ear length.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image, ImageFilter

from inference.geometry import FloatArray, apply_homography, image_to_card_plane
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
    "bad_pose": "The ear is seen at an angle. Point the camera straight at the side of your head and take it again.",
    "ear_cut_off": "Part of the ear is outside the picture. Move the camera back a little so the "
    "whole ear, with some skin around it, is in the frame.",
    "card_not_verified": "We saw a card but could not confirm its shape, so sizes are estimates. "
    "Hold the bank card flat against your head beside the ear, with all four corners and edges "
    "in view and not covered by your fingers.",
    "scale_inconsistent": "The card does not seem to be at the same distance as your ear. Hold the "
    "card flat against the side of your head right next to the ear, and take it again.",
    "implausible_measurement": "We could not measure this ear reliably: what we found does not "
    "have an adult ear's proportions, or its outline could not be placed precisely. Make sure the "
    "whole ear is in view, sharp and not covered by hair, and take it again.",
}
BLOCKING = {
    "no_ear",
    "blurry",
    "too_dark",
    "too_bright",
    "ear_too_small",
    "ear_cut_off",
    "bad_pose",
    "scale_inconsistent",
    "implausible_measurement",
}
# One primary reason per rejected photo: the first of these that applies, and the one order the
# API's answer lists them in too (`recommendations.measuring.analysis.RETAKE_ORDER`). A missing,
# cut-off or tiny ear hides everything else (a tiny ear looks blurred at the zoom it is measured
# at). Light and blur come before the pose, which is read from landmarks a dark or blurred photo
# misplaces (a blurred photo was told "bad pose" when pose came first: tests/inference/
# test_predict.py). The plausibility checks (the card's distance, adult proportions and sizes)
# judge landmarks any problem above can spoil, so they come last; the card warnings never block
# and follow.
PRIORITY = (
    "no_ear",
    "ear_cut_off",
    "ear_too_small",
    "too_dark",
    "too_bright",
    "blurry",
    "bad_pose",
    "scale_inconsistent",
    "implausible_measurement",
    "no_reference_card",
    "card_not_verified",
)

# Thresholds, chosen on rendered photos and deliberately lenient: a false "retake" costs a
# shopper a minute, a false "fine" costs a wrong size. Darkness is judged on the brightest part of
# the whole photo (95th percentile of luma), never on the ear's skin, so dark skin is not "too dark".
DARK_P95 = 35.0  # 95th percentile of luma (0..255) over the photo
BRIGHT_MEAN = 235.0  # mean luma over the photo
CLIPPED_FRACTION = 0.35  # share of ear-region pixels at >= 250 (blown-out highlights)
# Sharpness (``sharpness``) of the ear at its own resolution, at most 96 px tall; chosen on
# calibration renders (about 1 % of photo renders fall below it) and constructed photos.
BLUR_SHARPNESS = 1.0
EAR_MIN_FRACTION = 0.08  # ear length / long side of the photo
EAR_MIN_PX = 48.0
EDGE_MARGIN = 0.01  # landmarks closer than this fraction of the image to its border: cut off
MAX_EAR_TILT_DEG = 40.0
EAR_RATIO_RANGE = (0.35, 0.85)  # width / length; outside it the ear is turned away

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


def issue(code: str, message: str | None = None) -> QualityIssue:
    return QualityIssue(code, message or RETAKE_GUIDANCE[code], code in BLOCKING)


def by_priority(issues: list[QualityIssue]) -> tuple[QualityIssue, ...]:
    """Issues in the order a shopper should read them, each code once; the first blocking one is
    the photo's primary reason."""
    seen: dict[str, QualityIssue] = {}
    for found in issues:
        seen.setdefault(found.code, found)
    return tuple(sorted(seen.values(), key=lambda q: PRIORITY.index(q.code) if q.code in PRIORITY else len(PRIORITY)))


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


def ear_region(image: Image.Image, ear_px: FloatArray, *, upscale: bool = True) -> Image.Image:
    """The ear's bounding box, grey, scaled so the ear is 96 px tall (scale-free image statistics);
    without ``upscale``, a smaller ear stays at its own size (its sharpness is its own)."""
    lo = np.floor(ear_px.min(axis=0)).astype(int)
    hi = np.ceil(ear_px.max(axis=0)).astype(int)
    w, h = image.size
    # Clamped into the picture and at least one pixel each way: landmarks predicted outside a
    # very thin photo must not leave a box with no area (Pillow refuses it; the scale divides by it).
    left, top = min(max(0, int(lo[0])), w - 1), min(max(0, int(lo[1])), h - 1)
    box = (left, top, max(left + 1, min(w, int(hi[0]) + 1)), max(top + 1, min(h, int(hi[1]) + 1)))
    crop = image.crop(box).convert("L")
    scale = 96.0 / max(1, crop.size[1])
    if not upscale and scale >= 1.0:
        return crop
    size = (max(8, round(crop.size[0] * scale)), 96)
    return crop.resize(size, Image.Resampling.BILINEAR)


def laplacian_variance(grey: Image.Image) -> float:
    kernel = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)
    arr = np.asarray(grey.filter(kernel), dtype=np.float64)[1:-1, 1:-1]
    return float(arr.var())


def noise_sigma(grey: Image.Image) -> float:
    """The photo's noise level (grey levels, 1 sigma), by Immerkaer's fast estimator: a kernel that
    cancels smooth image structure and keeps the noise."""
    arr = np.asarray(grey, dtype=np.float64)
    if min(arr.shape) < 3:
        return 0.0
    m = arr[:-2, :-2] - 2 * arr[:-2, 1:-1] + arr[:-2, 2:]
    m += -2 * arr[1:-1, :-2] + 4 * arr[1:-1, 1:-1] - 2 * arr[1:-1, 2:]
    m += arr[2:, :-2] - 2 * arr[2:, 1:-1] + arr[2:, 2:]
    return float(math.sqrt(math.pi / 2) * np.abs(m).mean() / 6)


def _dog_energy() -> float:
    delta = np.zeros((31, 31), np.float32)
    delta[15, 15] = 1.0
    kernel = cv2.GaussianBlur(delta, (0, 0), 1.0) - cv2.GaussianBlur(delta, (0, 0), 2.0)
    return float((kernel.astype(np.float64) ** 2).sum())


_DOG_ENERGY = _dog_energy()


def sharpness(grey: Image.Image) -> float:
    """Detail the ear region really has, with the noise's share taken out.

    The energy of a band-pass (difference of Gaussians, sigma 1 and 2 px) holds the ear's folds and
    edges; white noise adds its own known share to it (noise variance x the kernel's energy), and
    the noise level is read robustly from the finest Laplacian (median absolute value), so a noisy
    photo is neither called sharp for its noise nor blurry for it.
    """
    arr = np.asarray(grey, dtype=np.float32)
    if min(arr.shape) < 12:
        return 0.0
    lap = cv2.Laplacian(arr, cv2.CV_32F, ksize=1)[1:-1, 1:-1]
    noise = 1.4826 * float(np.median(np.abs(lap))) / math.sqrt(20.0)
    band = cv2.GaussianBlur(arr, (0, 0), 1.0) - cv2.GaussianBlur(arr, (0, 0), 2.0)
    return float(band[4:-4, 4:-4].var()) - _DOG_ENERGY * noise * noise


def photometric_issues(image: Image.Image, ear_px: FloatArray | None) -> list[QualityIssue]:
    """too_dark / too_bright on the whole photo; blurry on the ear, scaled to a fixed size."""
    whole = np.asarray(image.convert("L").resize((128, 96), Image.Resampling.BILINEAR), dtype=np.float64)
    region = ear_region(image, ear_px) if ear_px is not None else None
    native = ear_region(image, ear_px, upscale=False) if ear_px is not None else None
    found = []
    if float(np.percentile(whole, 95)) < DARK_P95:
        found.append(issue("too_dark"))
    elif whole.mean() > BRIGHT_MEAN or (
        region is not None and (np.asarray(region, dtype=np.float64) >= 250).mean() > CLIPPED_FRACTION
    ):
        found.append(issue("too_bright"))
    if native is not None and not found and sharpness(native) < BLUR_SHARPNESS:
        found.append(issue("blurry"))
    return found


def geometric_issues(image_size: tuple[int, int], ear_px: FloatArray) -> list[QualityIssue]:
    """The ear's place and pose in the picture: cut off by the border, too small, turned away."""
    found = []
    w, h = image_size
    margin = EDGE_MARGIN * max(image_size)
    lo, hi = ear_px[:4].min(axis=0), ear_px[:4].max(axis=0)
    if lo[0] < margin or lo[1] < margin or hi[0] > w - margin or hi[1] > h - margin:
        found.append(issue("ear_cut_off"))
    top, bottom = ear_px[ear_index("helix_top")], ear_px[ear_index("lobe_bottom")]
    front, back = ear_px[ear_index("ear_front")], ear_px[ear_index("ear_back")]
    length = float(np.linalg.norm(bottom - top))
    if length < max(EAR_MIN_PX, EAR_MIN_FRACTION * max(image_size)):
        found.append(issue("ear_too_small"))
    axis = bottom - top
    tilt = abs(math.degrees(math.atan2(float(axis[0]), float(axis[1]))))
    ratio = float(np.linalg.norm(back - front)) / max(length, 1e-6)
    if tilt > MAX_EAR_TILT_DEG or not EAR_RATIO_RANGE[0] <= ratio <= EAR_RATIO_RANGE[1]:
        found.append(issue("bad_pose"))
    return found


__all__ = [
    "EAR_KEYPOINTS",
    "RETAKE_GUIDANCE",
    "TIP_BANDS",
    "by_priority",
    "geometric_issues",
    "issue",
    "measure",
    "photometric_issues",
    "tip_size_from_notch",
]
