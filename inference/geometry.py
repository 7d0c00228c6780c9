"""Plane geometry shared by the renderer and the post-processing: homographies and distances.

Points are ``(N, 2)`` float arrays in ``(x, y)`` order; image coordinates have y pointing down.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# ISO/IEC 7810 ID-1: every bank card has this size, which is why it serves as the scale reference.
CARD_WIDTH_MM = 85.60
CARD_HEIGHT_MM = 53.98


def homography_from_points(src: FloatArray, dst: FloatArray) -> FloatArray:
    """Least-squares homography (DLT) mapping ``src`` points onto ``dst`` (at least 4 pairs)."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.shape[0] < 4:
        raise ValueError("need at least four point pairs of equal shape")
    # Normalise both point sets (Hartley) so the solve is well conditioned at photo scale.
    t_src = _normaliser(src)
    t_dst = _normaliser(dst)
    s = apply_homography(t_src, src)
    d = apply_homography(t_dst, dst)
    rows = []
    for (x, y), (u, v) in zip(s, d, strict=True):
        rows.append([-x, -y, -1.0, 0.0, 0.0, 0.0, u * x, u * y, u])
        rows.append([0.0, 0.0, 0.0, -x, -y, -1.0, v * x, v * y, v])
    _, _, vt = np.linalg.svd(np.asarray(rows))
    h = vt[-1].reshape(3, 3)
    full = np.linalg.inv(t_dst) @ h @ t_src
    return np.asarray(full / full[2, 2], dtype=np.float64)


def _normaliser(points: FloatArray) -> FloatArray:
    centre = points.mean(axis=0)
    spread = float(np.sqrt(((points - centre) ** 2).sum(axis=1)).mean()) or 1.0
    k = np.sqrt(2.0) / spread
    return np.array([[k, 0.0, -k * centre[0]], [0.0, k, -k * centre[1]], [0.0, 0.0, 1.0]])


def apply_homography(h: FloatArray, points: FloatArray) -> FloatArray:
    """Map ``(N, 2)`` points through the 3×3 homography ``h``."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    ones = np.ones((pts.shape[0], 1))
    mapped = np.hstack([pts, ones]) @ np.asarray(h, dtype=np.float64).T
    return np.asarray(mapped[:, :2] / mapped[:, 2:3], dtype=np.float64)


def order_card_corners(corners: FloatArray) -> FloatArray:
    """Order four corners as top-left, top-right, bottom-right, bottom-left in image space.

    The card is symmetric, so "which corner is first" only has a meaning relative to the image.
    The corner whose direction from the centroid is closest to the image's top-left diagonal
    comes first, then clockwise. This is unambiguous while the card is rotated less than about
    40° in the image, which the renderer respects and the quality gate (``bad_pose``) enforces.
    """
    pts = np.asarray(corners, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    order = np.argsort(angles)  # counter-clockwise in maths terms = clockwise on screen (y down)
    pts = pts[order]
    angles = angles[order]
    target = -3.0 * np.pi / 4.0
    diff = np.abs(np.angle(np.exp(1j * (angles - target))))
    start = int(np.argmin(diff))
    return np.roll(pts, -start, axis=0)


def card_plane_corners(ordered: FloatArray) -> FloatArray:
    """The ID-1 card's corners in mm matching ``ordered`` (TL, TR, BR, BL), landscape or portrait.

    ``ordered`` is one ``(4, 2)`` corner set or a batch ``(N, 4, 2)``; the answer has its shape."""
    pts = np.asarray(ordered, dtype=np.float64)
    horizontal = np.linalg.norm(pts[..., 1, :] - pts[..., 0, :], axis=-1) + np.linalg.norm(
        pts[..., 2, :] - pts[..., 3, :], axis=-1
    )
    vertical = np.linalg.norm(pts[..., 3, :] - pts[..., 0, :], axis=-1) + np.linalg.norm(
        pts[..., 2, :] - pts[..., 1, :], axis=-1
    )
    w, h = CARD_WIDTH_MM, CARD_HEIGHT_MM
    landscape = np.array([[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]])
    portrait = np.array([[0.0, 0.0], [h, 0.0], [h, w], [0.0, w]])
    return np.where((horizontal >= vertical)[..., None, None], landscape, portrait)


def image_to_card_plane(corners_px: FloatArray) -> FloatArray:
    """Homography from image pixels to the card's plane in mm (ear assumed in that plane)."""
    ordered = order_card_corners(corners_px)
    return homography_from_points(ordered, card_plane_corners(ordered))


def local_scale(h: FloatArray, at: FloatArray) -> float:
    """Plane units (mm) per image pixel around image point ``at``, through homography ``h``."""
    probe = np.array([at, at + np.array([1.0, 0.0]), at + np.array([0.0, 1.0])], dtype=np.float64)
    mapped = apply_homography(h, probe)
    return float(np.sqrt(abs(np.linalg.det(np.column_stack([mapped[1] - mapped[0], mapped[2] - mapped[0]])))))


def distance(a: FloatArray, b: FloatArray) -> float:
    return float(np.linalg.norm(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)))
