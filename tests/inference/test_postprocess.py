from __future__ import annotations

import itertools

import numpy as np
import pytest

from inference.geometry import (
    CARD_HEIGHT_MM,
    CARD_WIDTH_MM,
    apply_homography,
    homography_from_points,
    image_to_card_plane,
    order_card_corners,
)
from inference.postprocess import RETAKE_GUIDANCE, TIP_BANDS, tip_size_from_notch
from inference.vocabulary import TIP_SIZES


def test_precise_notch_gives_a_confident_size() -> None:
    est = tip_size_from_notch(8.0, 0.2)
    assert est.size == "M"
    assert not est.abstained
    assert est.confidence > 0.95


def test_uncertainty_spanning_more_than_one_band_abstains() -> None:
    est = tip_size_from_notch(8.0, 1.2)  # 6.8..9.2 mm reaches S, M and L
    assert est.abstained
    assert est.size is None


def test_estimate_near_a_band_edge_keeps_its_size_with_lower_confidence() -> None:
    est = tip_size_from_notch(7.6, 0.3)  # 7.3..7.9 mm touches S and M
    assert est.size == "M"
    assert not est.abstained
    assert est.confidence < tip_size_from_notch(8.0, 0.3).confidence


@pytest.mark.parametrize("notch", [float("nan"), float("inf")])
def test_unusable_notch_abstains(notch: float) -> None:
    assert tip_size_from_notch(notch, 0.3).abstained


def test_tip_bands_are_contiguous_and_ordered() -> None:
    for (_, _, hi), (_, lo, _) in itertools.pairwise(TIP_BANDS):
        assert hi == lo
    assert tuple(b[0] for b in TIP_BANDS) == TIP_SIZES


def test_every_reason_has_a_retake_sentence() -> None:
    for code in ("no_ear", "no_reference_card", "blurry", "too_dark", "too_bright", "ear_too_small", "bad_pose"):
        assert RETAKE_GUIDANCE[code].endswith(".")


def test_card_homography_recovers_millimetres_under_perspective() -> None:
    plane = np.array([[0, 0], [CARD_WIDTH_MM, 0], [CARD_WIDTH_MM, CARD_HEIGHT_MM], [0, CARD_HEIGHT_MM]])
    seen = np.array([[100, 120], [460, 100], [470, 330], [90, 345]], dtype=float)
    to_image = homography_from_points(plane, seen)
    rng = np.random.default_rng(0)
    shuffled = seen[rng.permutation(4)]
    to_plane = image_to_card_plane(shuffled)
    a_mm, b_mm = np.array([[20.0, 10.0]]), np.array([[80.0, 40.0]])
    a = apply_homography(to_plane, apply_homography(to_image, a_mm))
    b = apply_homography(to_plane, apply_homography(to_image, b_mm))
    assert np.linalg.norm(a - b) == pytest.approx(np.linalg.norm(a_mm - b_mm), abs=1e-6)


def test_card_corners_are_ordered_from_top_left_clockwise() -> None:
    corners = np.array([[300, 310], [100, 100], [310, 90], [90, 300]], dtype=float)
    ordered = order_card_corners(corners)
    assert ordered.tolist() == [[100, 100], [310, 90], [300, 310], [90, 300]]
