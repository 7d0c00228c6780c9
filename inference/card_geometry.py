"""The reference card, verified by its geometry in the photo's own pixels, not by the network alone.

The network proposes four corners; this module accepts a card only if the pixels show one:

1. **Edges.** Along each proposed side, the strongest gradient across the side (searched within a
   band around it, of the same polarity all along) gives edge points; a robust line fit through
   them must be straight (inlier residuals within a pixel or so) and hold most of the points, and
   the edge must stand out from the photo's own gradient noise (contrast).
2. **A convex quadrilateral** where the four fitted lines meet.
3. **Right corners and the ID-1 aspect after perspective.** A pinhole camera with square pixels
   and the principal point at the image centre is assumed; over the focal lengths a phone can
   have (0.6–2.0 x the long side, and the one the orthogonality constraint solves for), the one
   that makes the corners most nearly square is taken (leaning to 1.0 x the long side where the
   corners hardly constrain it), and at it the corner-angle error and the
   card's metric aspect ratio are read off the homography (Zhang's constraints). The aspect must
   be 85.60 : 53.98 within the tolerance below.
4. **Rounded corners** (ISO/IEC 7810: radius 3.18 mm): along each corner's bisector the edge sits
   r(√2 − 1) ≈ 1.32 mm inside the fitted corner; a sharp-cornered rectangle (a book, a phone, a
   sheet of paper) puts it at the corner. Checked only where that distance is at least 2.5 px.

**How the tolerances are derived.** The corners' localisation error is measured from the fit
itself: the residual spread of each side's edge points over the square root of their number,
floored at 0.35 px (JPEG and resampling). Those errors are propagated by Monte Carlo (64 draws of
the four corners) through steps 3 and 4, giving the standard deviation of the recovered aspect and
corner angle for this very photo. The tolerance is 3 of those standard deviations (a true card
fails by chance about 3 times in 1,000) plus what a card held by hand adds on its own: 2.5 % of
aspect and 3° of angle for a slight bend and lens distortion. A small or blurred card therefore
gets a wider tolerance *and* a larger scale uncertainty, never a free pass: the same draws give the
relative uncertainty of the mm-per-pixel scale, which goes into every measurement's uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image

from inference.geometry import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    FloatArray,
    card_plane_corners,
    order_card_corners,
)

ID1_ASPECT = CARD_WIDTH_MM / CARD_HEIGHT_MM
CORNER_RADIUS_MM = 3.18
ROUNDED_INSET_MM = CORNER_RADIUS_MM * (math.sqrt(2.0) - 1.0)
SAMPLES_PER_SIDE = 40
MIN_INLIER_FRACTION = 0.45  # a finger may cover part of a side
MIN_SIDE_PX = 24.0
MIN_EDGE_CONTRAST = 2.0  # weakest side's median edge gradient over the photo's median gradient
CORNER_FLOOR_PX = 0.35
ASPECT_ALLOWANCE = 0.025
ANGLE_ALLOWANCE_DEG = 3.0
# Beyond these the corners are too uncertain to tell a card's shape from another's.
MAX_ASPECT_TOLERANCE = 0.10
MAX_ANGLE_TOLERANCE_DEG = 8.0
FOCAL_GRID = np.linspace(0.6, 2.0, 15)
PRIOR_FOCAL = 1.0  # x the long side: a phone's main camera is about 0.75-1.0
MONTE_CARLO_DRAWS = 64

FAILURE_SENTENCES = {
    "card_too_small": "the card is too small in the picture",
    "card_edges_not_found": "the card's edges could not be followed along its sides",
    "card_edges_not_straight": "the card's edges are not straight",
    "card_low_contrast": "the card's edges do not stand out from the background",
    "card_not_convex": "the card's outline is not a convex four-sided shape",
    "card_corners_not_square": "the card's corners are not right angles from any camera angle",
    "card_wrong_aspect": "the card's sides do not have a bank card's proportions (85.60 x 53.98 mm)",
    "card_corners_not_rounded": "the card's corners are sharp, not a bank card's rounded corners",
}


@dataclass(frozen=True)
class CardCheck:
    """The verdict on one proposed card, with the figures it rests on."""

    verified: bool
    failure: str | None  # a FAILURE_SENTENCES key when not verified
    corners: FloatArray | None  # (4, 2) TL, TR, BR, BL from the fitted edges; None if none fitted
    corner_sigma_px: float  # localisation error of a corner (1 sigma)
    corner_confidence: tuple[float, float, float, float]
    aspect: float | None  # long / short side after perspective
    aspect_tolerance: float  # allowed relative deviation from 85.60 / 53.98
    angle_error_deg: float | None
    angle_tolerance_deg: float
    straightness_px: float | None  # worst side's inlier RMS residual
    contrast: float | None  # weakest side's edge contrast
    rounded_corners: int | None  # corners read as rounded (None: too small to tell)
    scale_rel_sigma: float  # relative 1-sigma uncertainty of mm per px from the corners

    @property
    def reason(self) -> str:
        return FAILURE_SENTENCES.get(self.failure or "", "")


def _gradients(
    image: Image.Image, box: tuple[int, int, int, int] | None = None
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], float]:
    """Per-pixel gradient (x, y) of the channel with the strongest change, and the median gradient
    magnitude (the texture and noise level the contrast test compares with); within ``box``
    only (zero elsewhere) when given, since only the card's surroundings are read."""
    if box is not None:
        x0, y0, x1, y1 = box
        gx_part, gy_part, noise = _gradients(image.crop(box))
        gx_full = np.zeros((image.height, image.width), np.float32)
        gy_full = np.zeros_like(gx_full)
        gx_full[y0:y1, x0:x1], gy_full[y0:y1, x0:x1] = gx_part, gy_part
        return gx_full, gy_full, noise
    rgb = np.asarray(
        cv2.GaussianBlur(np.asarray(image.convert("RGB"), dtype=np.float32), (0, 0), 0.8), dtype=np.float32
    )
    gx = np.stack([cv2.Sobel(rgb[..., c], cv2.CV_32F, 1, 0, ksize=3) for c in range(3)], axis=-1) / 8
    gy = np.stack([cv2.Sobel(rgb[..., c], cv2.CV_32F, 0, 1, ksize=3) for c in range(3)], axis=-1) / 8
    mag = gx * gx + gy * gy
    best = np.argmax(mag, axis=-1)[..., None]
    gxb = np.take_along_axis(gx, best, axis=-1)[..., 0]
    gyb = np.take_along_axis(gy, best, axis=-1)[..., 0]
    noise = float(np.median(np.sqrt(gxb * gxb + gyb * gyb))) + 0.5
    return gxb.astype(np.float32), gyb.astype(np.float32), noise


def _bilinear(field: npt.NDArray[np.float32], pts: FloatArray) -> FloatArray:
    out = cv2.remap(
        field,
        pts[..., 0].astype(np.float32),
        pts[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    )
    return np.asarray(out, dtype=np.float64)


@dataclass(frozen=True)
class _Side:
    point: FloatArray  # a point on the fitted line
    direction: FloatArray  # unit vector along it
    rms: float
    inliers: int
    inlier_fraction: float
    contrast: float


def _fit_side(
    a: FloatArray,
    b: FloatArray,
    centre: FloatArray,
    gx: npt.NDArray[np.float32],
    gy: npt.NDArray[np.float32],
    band: float,
) -> _Side | None:
    length = float(np.linalg.norm(b - a))
    direction = (b - a) / length
    normal = np.array([-direction[1], direction[0]])
    if np.dot(normal, centre - a) > 0:
        normal = -normal  # pointing out of the card
    t = np.linspace(0.1, 0.9, SAMPLES_PER_SIDE)
    base = a[None, :] + t[:, None] * (b - a)[None, :]
    offsets = np.linspace(-band, band, max(9, int(2 * band * 2) + 1))
    probes = base[:, None, :] + offsets[None, :, None] * normal[None, None, :]
    across = _bilinear(gx, probes) * normal[0] + _bilinear(gy, probes) * normal[1]
    polarity = 1.0 if float(np.median(across.max(axis=1))) >= float(-np.median(across.min(axis=1))) else -1.0
    strength = across * polarity
    best = np.argmax(strength, axis=1)
    peak = strength[np.arange(len(best)), best]
    inner = np.clip(best, 1, len(offsets) - 2)
    left, mid, right = (strength[np.arange(len(best)), inner + d] for d in (-1, 0, 1))
    denom = left - 2 * mid + right
    sub = np.where(np.abs(denom) > 1e-6, 0.5 * (left - right) / np.where(np.abs(denom) > 1e-6, denom, 1.0), 0.0)
    step = offsets[1] - offsets[0]
    offset = offsets[inner] + np.clip(sub, -0.5, 0.5) * step
    found = base + offset[:, None] * normal[None, :]
    strong = peak > 0.35 * float(np.median(peak[peak > 0])) if np.any(peak > 0) else np.zeros(len(peak), bool)
    if strong.sum() < 6:
        return None
    pts = found[strong].astype(np.float32)
    vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    d = np.array([vx, vy], dtype=np.float64)
    p0 = np.array([x0, y0], dtype=np.float64)
    residual = (found - p0) @ np.array([-d[1], d[0]])
    tol = max(1.2, 0.012 * length)
    inlier = strong & (np.abs(residual) <= tol)
    if inlier.sum() < 8:
        return None
    # Refit by total least squares weighted by edge strength, twice, the second time keeping only
    # points within 2.5 robust sigmas: a stretch of weak or cluttered edge must not tilt the line.
    weights = peak.clip(min=0.0)
    for _ in range(2):
        p0, d = _weighted_line(found[inlier], weights[inlier])
        residual = (found - p0) @ np.array([-d[1], d[0]])
        robust = 1.4826 * float(np.median(np.abs(residual[inlier])))
        keep = strong & (np.abs(residual) <= max(0.5, 2.5 * robust))
        if keep.sum() < 8:
            return None
        inlier = keep
    p0, d = _weighted_line(found[inlier], weights[inlier])
    res = (found[inlier] - p0) @ np.array([-d[1], d[0]])
    return _Side(
        point=p0,
        direction=d,
        rms=float(np.sqrt(np.mean(res * res))),
        inliers=int(inlier.sum()),
        inlier_fraction=float(inlier.mean()),
        contrast=float(np.median(peak[inlier])),
    )


def _weighted_line(pts: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Weighted total-least-squares line: (a point on it, its unit direction)."""
    w = weights / max(float(weights.sum()), 1e-9)
    centre = (pts * w[:, None]).sum(axis=0)
    diff = pts - centre
    cov = (diff * w[:, None]).T @ diff
    _, vectors = np.linalg.eigh(cov)
    return np.asarray(centre, dtype=np.float64), np.asarray(vectors[:, -1], dtype=np.float64)


def _intersect(s1: _Side, s2: _Side) -> FloatArray | None:
    m = np.column_stack([s1.direction, -s2.direction])
    if abs(float(np.linalg.det(m))) < 1e-6:
        return None
    t = np.linalg.solve(m, s2.point - s1.point)
    return np.asarray(s1.point + t[0] * s1.direction, dtype=np.float64)


def _convex(corners: FloatArray) -> bool:
    crosses = []
    for i in range(4):
        a, b, c = corners[i], corners[(i + 1) % 4], corners[(i + 2) % 4]
        u, v = b - a, c - b
        crosses.append(float(u[0] * v[1] - u[1] * v[0]))
    return all(x > 0 for x in crosses) or all(x < 0 for x in crosses)


def metric_shape(corners: FloatArray, image_size: tuple[int, int]) -> tuple[float, float]:
    """(corner-angle error in degrees, long/short aspect) of the rectangle these corners are the
    image of, for the phone-like focal length that makes its corners most nearly square."""
    err, aspect = _metric_shapes(np.asarray(corners, dtype=np.float64)[None], image_size)
    return float(err[0]), float(aspect[0])


def _metric_shapes(corners: FloatArray, image_size: tuple[int, int]) -> tuple[FloatArray, FloatArray]:
    """``metric_shape`` of ``(N, 4, 2)`` corner sets at once (the Monte Carlo draws): ``(N,)`` each."""
    w, h = image_size
    centred = corners - np.array([w / 2, h / 2])
    unit = np.broadcast_to(np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]), centred.shape)
    hom = _four_points(unit, centred)
    h1, h2 = hom[:, :, 0], hom[:, :, 1]  # (N, 3) each
    long_side = float(max(w, h))
    grid = np.broadcast_to(FOCAL_GRID * long_side, (len(corners), len(FOCAL_GRID)))
    # The focal length the orthogonality constraint solves for, where it is a phone's.
    denom = h1[:, 2] * h2[:, 2]
    safe = np.where(np.abs(denom) > 1e-12, denom, 1.0)
    f2 = np.where(np.abs(denom) > 1e-12, -(h1[:, 0] * h2[:, 0] + h1[:, 1] * h2[:, 1]) / safe, -1.0)
    solved = np.sqrt(np.clip(f2, 1e-12, None))
    valid = (f2 > 0) & (solved > 0.3 * long_side) & (solved < 4.0 * long_side)
    f = np.concatenate([grid, np.where(valid, solved, long_side)[:, None]], axis=1)  # (N, F)
    r1 = np.stack([h1[:, None, 0] / f, h1[:, None, 1] / f, np.broadcast_to(h1[:, None, 2], f.shape)], axis=-1)
    r2 = np.stack([h2[:, None, 0] / f, h2[:, None, 1] / f, np.broadcast_to(h2[:, None, 2], f.shape)], axis=-1)
    n1, n2 = np.linalg.norm(r1, axis=-1), np.linalg.norm(r2, axis=-1)
    cos = np.clip((r1 * r2).sum(axis=-1) / (n1 * n2), -1.0, 1.0)
    err = np.abs(90.0 - np.degrees(np.arccos(cos)))
    # Where the corners hardly constrain the focal length (a card seen nearly straight on, or
    # turned about one axis only), a phone's usual one is taken rather than whichever fits the
    # noise best: 3 degrees of corner angle buy a factor e in focal length.
    cost = err + 3.0 * np.abs(np.log(f / (PRIOR_FOCAL * long_side)))
    cost[:, -1] = np.where(valid, cost[:, -1], np.inf)
    best = np.argmin(cost, axis=1)
    rows = np.arange(len(corners))
    ratio = n1[rows, best] / n2[rows, best]
    return err[rows, best], np.maximum(ratio, 1 / ratio)


def _rounded(
    corners: FloatArray, gx: npt.NDArray[np.float32], gy: npt.NDArray[np.float32], px_per_mm: float
) -> int | None:
    """How many corners show the edge set back along the bisector, as a rounded corner does."""
    expected = ROUNDED_INSET_MM * px_per_mm
    if expected < 2.5:
        return None
    centre = corners.mean(axis=0)
    count = 0
    for c in corners:
        inward = (centre - c) / np.linalg.norm(centre - c)
        offsets = np.linspace(-0.6 * expected, 2.2 * expected, 29)
        probes = (c[None, :] + offsets[:, None] * inward[None, :])[None]
        along = (_bilinear(gx, probes) * inward[0] + _bilinear(gy, probes) * inward[1])[0]
        peak = int(np.argmax(np.abs(along)))
        if offsets[peak] >= 0.45 * expected:
            count += 1
    return count


def _four_points(src: FloatArray, dst: FloatArray) -> FloatArray:
    """``(N, 3, 3)`` exact homographies through ``(N, 4, 2)`` point pairs, in one batched solve
    (the Monte Carlo draws need 64 at a time; one OpenCV call each cost more than the solve)."""
    x, y = src[..., 0], src[..., 1]
    u, v = dst[..., 0], dst[..., 1]
    zero, one = np.zeros_like(x), np.ones_like(x)
    rows_u = np.stack([x, y, one, zero, zero, zero, -u * x, -u * y], axis=-1)
    rows_v = np.stack([zero, zero, zero, x, y, one, -v * x, -v * y], axis=-1)
    a = np.concatenate([rows_u, rows_v], axis=1)  # (N, 8, 8)
    b = np.concatenate([u, v], axis=1)  # (N, 8)
    h = np.linalg.solve(a, b[..., None])[..., 0]
    return np.concatenate([h, np.ones((len(h), 1))], axis=1).reshape(-1, 3, 3)


def _local_scales(corners: FloatArray, at: FloatArray) -> FloatArray:
    """mm per px of the card's plane around image point ``at`` for ``(N, 4, 2)`` corner sets
    (ordered TL, TR, BR, BL): ``local_scale`` through each set's homography to the ID-1 card."""
    plane = card_plane_corners(corners)
    hom = _four_points(corners, plane)
    probe = np.array([at, at + np.array([1.0, 0.0]), at + np.array([0.0, 1.0])], dtype=np.float64)
    mapped = np.einsum("nij,pj->npi", hom, np.column_stack([probe, np.ones(3)]))
    mapped = mapped[..., :2] / mapped[..., 2:3]
    d1, d2 = mapped[:, 1] - mapped[:, 0], mapped[:, 2] - mapped[:, 0]
    return np.asarray(np.sqrt(np.abs(d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0])), dtype=np.float64)


def _local_scale(corners: FloatArray, at: FloatArray) -> float:
    """mm per px of the card's plane around image point ``at`` (corners ordered TL, TR, BR, BL)."""
    return float(_local_scales(np.asarray(corners, dtype=np.float64)[None], np.asarray(at, dtype=np.float64))[0])


def verify_card(
    image: Image.Image,
    proposed: FloatArray,
    *,
    ear_centre: FloatArray | None = None,
    gradients: tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], float] | None = None,
    seed: int = 0,
) -> CardCheck:
    """Check the proposed card corners against the photo; see the module docstring for the tests."""
    proposed = order_card_corners(np.asarray(proposed, dtype=np.float64))
    sides_px = [float(np.linalg.norm(proposed[(i + 1) % 4] - proposed[i])) for i in range(4)]

    def failed(code: str, **figures: object) -> CardCheck:
        base: dict[str, object] = {
            "corners": None,
            "corner_sigma_px": math.inf,
            "corner_confidence": (0.0, 0.0, 0.0, 0.0),
            "aspect": None,
            "aspect_tolerance": 0.0,
            "angle_error_deg": None,
            "angle_tolerance_deg": 0.0,
            "straightness_px": None,
            "contrast": None,
            "rounded_corners": None,
            "scale_rel_sigma": math.inf,
        }
        base.update(figures)
        return CardCheck(False, code, **base)  # type: ignore[arg-type]  # the fields above, by name

    if min(sides_px) < MIN_SIDE_PX:
        return failed("card_too_small")
    centre = proposed.mean(axis=0)
    band = max(3.0, 0.1 * min(sides_px))
    if gradients is None:
        pad = int(3 * band) + 4
        lo = np.floor(proposed.min(axis=0)).astype(int) - pad
        hi = np.ceil(proposed.max(axis=0)).astype(int) + pad
        box = (max(0, int(lo[0])), max(0, int(lo[1])), min(image.width, int(hi[0])), min(image.height, int(hi[1])))
        if box[2] - box[0] < 8 or box[3] - box[1] < 8:
            return failed("card_edges_not_found")
        gradients = _gradients(image, box)
    gx, gy, noise = gradients
    sides = [_fit_side(proposed[i], proposed[(i + 1) % 4], centre, gx, gy, band) for i in range(4)]
    fitted = [s for s in sides if s is not None]
    if len(fitted) < 4:
        return failed("card_edges_not_found")
    straightness = max(s.rms for s in fitted)
    contrast = min(s.contrast for s in fitted) / noise
    if any(s.inlier_fraction < MIN_INLIER_FRACTION for s in fitted) or straightness > 0.9 + 0.006 * max(sides_px):
        return failed("card_edges_not_straight", straightness_px=straightness, contrast=contrast)
    if contrast < MIN_EDGE_CONTRAST:
        return failed("card_low_contrast", straightness_px=straightness, contrast=contrast)
    meets = [_intersect(fitted[i - 1], fitted[i]) for i in range(4)]  # corner i: side i-1 meets side i
    if any(m is None for m in meets):
        return failed("card_not_convex", straightness_px=straightness, contrast=contrast)
    corners = np.array(meets, dtype=np.float64)
    if not _convex(corners) or float(np.max(np.linalg.norm(corners - proposed, axis=1))) > 2.5 * band:
        return failed("card_not_convex", straightness_px=straightness, contrast=contrast)
    corners = order_card_corners(corners)

    sigma = max(CORNER_FLOOR_PX, max(s.rms / math.sqrt(s.inliers) for s in fitted) * math.sqrt(2.0))
    angle_err, aspect = metric_shape(corners, image.size)
    rng = np.random.default_rng(seed)
    at = ear_centre if ear_centre is not None else corners.mean(axis=0)
    scale = _local_scale(corners, at)
    jittered = corners + rng.normal(0, sigma, (MONTE_CARLO_DRAWS, *corners.shape))
    spread = np.column_stack([*_metric_shapes(jittered, image.size), _local_scales(jittered, at)])
    aspect_tol = ASPECT_ALLOWANCE + 3 * float(np.std(spread[:, 1])) / ID1_ASPECT
    angle_tol = ANGLE_ALLOWANCE_DEG + 3 * float(np.std(spread[:, 0]))
    scale_rel = float(np.std(spread[:, 2])) / scale
    confidence = float(np.clip(1.0 - sigma / 3.0, 0.0, 1.0))
    figures: dict[str, object] = {
        "corners": corners,
        "corner_sigma_px": sigma,
        "corner_confidence": (confidence,) * 4,
        "aspect": aspect,
        "aspect_tolerance": aspect_tol,
        "angle_error_deg": angle_err,
        "angle_tolerance_deg": angle_tol,
        "straightness_px": straightness,
        "contrast": contrast,
        "scale_rel_sigma": scale_rel,
    }
    if angle_err > min(angle_tol, MAX_ANGLE_TOLERANCE_DEG):
        return failed("card_corners_not_square", **figures)
    if abs(aspect / ID1_ASPECT - 1.0) > min(aspect_tol, MAX_ASPECT_TOLERANCE):
        return failed("card_wrong_aspect", **figures)
    rounded = _rounded(corners, gx, gy, 1.0 / _local_scale(corners, corners.mean(axis=0)))
    figures["rounded_corners"] = rounded
    if rounded is not None and rounded < 2:
        return failed("card_corners_not_rounded", **figures)
    return CardCheck(True, None, **figures)  # type: ignore[arg-type]  # the fields above, by name


__all__ = ["FAILURE_SENTENCES", "ID1_ASPECT", "CardCheck", "metric_shape", "verify_card"]
