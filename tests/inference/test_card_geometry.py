"""The card is accepted by its geometry in the pixels, and each failed test names its own cause.

Every image here is constructed: a card drawn by the project's own artwork, seen through a pinhole
camera, on a textured background; then one property at a time is broken.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from inference.card_geometry import ID1_ASPECT, metric_shape, verify_card
from inference.geometry import CARD_HEIGHT_MM, CARD_WIDTH_MM, FloatArray, image_to_card_plane, local_scale
from inference.training import card_art

SIZE = (640, 480)


def background(seed: int = 0, *, spread: float = 40.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.uniform(130 - spread, 130 + spread, (12, 16, 3)).astype(np.float32)
    field = cv2.resize(small, SIZE, interpolation=cv2.INTER_CUBIC)
    return np.asarray(field + rng.normal(0, 2.0, field.shape), dtype=np.float32)


def perspective_corners(
    *, width_px: float, yaw: float = 0.0, pitch: float = 0.0, aspect: float = ID1_ASPECT
) -> FloatArray:
    """A flat rectangle of ``aspect`` seen by a camera with the principal point at the image centre."""
    f = 1.1 * max(SIZE)
    half = np.array([1.0, 1.0 / aspect]) * 42.8
    rect = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], dtype=np.float64) * np.append(half, 0)
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(pitch), np.sin(pitch)
    rot = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]]) @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    distance = f * 85.6 / width_px
    pts = rect @ rot.T + np.array([-30.0, 10.0, distance])
    return np.asarray(pts[:, :2] / pts[:, 2:3] * f + np.array(SIZE) / 2, dtype=np.float64)


def draw(
    corners: FloatArray,
    *,
    rounded: bool = True,
    colour: tuple[float, float, float] | None = None,
    seed: int = 1,
    spread: float = 40.0,
) -> Image.Image:
    art = card_art.card_artwork(np.random.default_rng(seed))
    if colour is not None:
        art[..., :3] = colour
    if not rounded:
        art[..., 3] = 1.0
    h, w = art.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, corners.astype(np.float32))
    warped = cv2.warpPerspective(art, m, SIZE, flags=cv2.INTER_LINEAR)
    base = background(spread=spread)
    out = base * (1 - warped[..., 3:4]) + warped[..., :3] * warped[..., 3:4]
    blurred = cv2.GaussianBlur(out, (0, 0), 0.7)
    return Image.fromarray(np.clip(blurred, 0, 255).astype(np.uint8))


def proposal(corners: FloatArray, seed: int = 0) -> FloatArray:
    """What the network proposes: the true corners give or take a few pixels."""
    return corners + np.random.default_rng(seed).normal(0, 2.5, corners.shape)


@pytest.mark.parametrize(("yaw", "pitch"), [(0.0, 0.0), (0.35, 0.0), (0.2, -0.3)])
def test_a_drawn_card_is_verified_and_gives_the_scale_within_its_uncertainty(yaw: float, pitch: float) -> None:
    corners = perspective_corners(width_px=300, yaw=yaw, pitch=pitch)
    check = verify_card(draw(corners), proposal(corners))
    assert check.verified, check.failure
    assert check.corners is not None
    assert np.abs(check.corners - corners).max() < 1.5
    assert check.aspect is not None
    assert abs(check.aspect - ID1_ASPECT) / ID1_ASPECT < check.aspect_tolerance
    at = np.array([200.0, 240.0])
    truth = local_scale(image_to_card_plane(corners), at)
    found = local_scale(image_to_card_plane(check.corners), at)
    assert abs(found / truth - 1) < 3 * check.scale_rel_sigma + 0.01
    assert 0 < check.scale_rel_sigma < 0.05


def test_the_metric_shape_of_a_true_card_is_recovered_under_perspective() -> None:
    corners = perspective_corners(width_px=280, yaw=0.4, pitch=0.25)
    angle_error, aspect = metric_shape(corners, SIZE)
    assert angle_error < 0.5
    assert aspect == pytest.approx(CARD_WIDTH_MM / CARD_HEIGHT_MM, rel=0.01)


def test_sharp_corners_are_not_a_bank_card() -> None:
    corners = perspective_corners(width_px=360)
    check = verify_card(draw(corners, rounded=False), proposal(corners))
    assert not check.verified
    assert check.failure == "card_corners_not_rounded"


@pytest.mark.parametrize("aspect", [1.0, 1.414])
def test_a_rectangle_of_other_proportions_is_not_a_bank_card(aspect: float) -> None:
    corners = perspective_corners(width_px=300, yaw=0.2, aspect=aspect)
    check = verify_card(draw(corners), proposal(corners))
    assert not check.verified
    assert check.failure == "card_wrong_aspect"


def test_a_quadrilateral_no_camera_could_make_from_a_rectangle_is_refused() -> None:
    corners = perspective_corners(width_px=300)
    corners[1] += [0.0, 45.0]  # a trapezoid leaning one way, a kite-like skew the other
    corners[2] += [-30.0, 0.0]
    check = verify_card(draw(corners), proposal(corners))
    assert not check.verified
    assert check.failure in {"card_corners_not_square", "card_wrong_aspect"}


def test_wavy_edges_are_not_straight() -> None:
    corners = perspective_corners(width_px=300)
    image = np.asarray(draw(corners), dtype=np.float32)
    ys, xs = np.mgrid[0 : SIZE[1], 0 : SIZE[0]].astype(np.float32)
    map_x = xs + 6.0 * np.sin(ys / 9.0)
    wavy = cv2.remap(image, map_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    check = verify_card(Image.fromarray(np.clip(wavy, 0, 255).astype(np.uint8)), proposal(corners))
    assert not check.verified
    assert check.failure in {"card_edges_not_straight", "card_edges_not_found"}


def test_a_card_the_colour_of_its_background_has_no_edges_to_trust() -> None:
    corners = perspective_corners(width_px=300)
    check = verify_card(draw(corners, colour=(133.0, 133.0, 133.0), spread=3.0), proposal(corners))
    assert not check.verified
    assert check.failure in {"card_low_contrast", "card_edges_not_found", "card_edges_not_straight"}


def test_nothing_at_all_where_the_network_saw_a_card_is_refused() -> None:
    corners = perspective_corners(width_px=300)
    empty = Image.fromarray(np.clip(background(), 0, 255).astype(np.uint8))
    check = verify_card(empty, proposal(corners))
    assert not check.verified
    assert check.corners is None


def test_a_tiny_card_is_too_small_to_verify() -> None:
    corners = perspective_corners(width_px=20)
    check = verify_card(draw(corners), corners)
    assert check.failure == "card_too_small"
