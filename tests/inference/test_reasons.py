"""Each retake reason fires for its own cause and not for the others; a warning never rejects.

The images and landmarks are constructed in the test: a sharp textured "ear" region, then one
defect at a time (noise, blur, darkness, glare, border, size, tilt, proportions, card distance).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image, ImageFilter

from inference.keypoints import EAR_KEYPOINTS
from inference.plausibility import Finding, card_ear_findings, mm_findings, shape_findings
from inference.postprocess import BLOCKING, RETAKE_GUIDANCE, by_priority, geometric_issues, issue, photometric_issues
from inference.types import EarAnalysis, QualityIssue, TipSizeEstimate

SIZE = (640, 480)


def ear_landmarks(centre: tuple[float, float] = (320, 240), length: float = 200.0, tilt_deg: float = 0.0) -> np.ndarray:
    """Ten landmarks with an adult ear's proportions (width 0.55 x length), in EAR_KEYPOINTS order."""
    unit = {
        "helix_top": (0.05, -0.5),
        "lobe_bottom": (0.0, 0.5),
        "ear_front": (-0.25, 0.0),
        "ear_back": (0.30, -0.1),
        "concha_top": (-0.02, -0.1),
        "concha_bottom": (-0.02, 0.2),
        "concha_front": (-0.15, 0.05),
        "concha_back": (0.12, 0.05),
        "notch_front": (-0.1, 0.15),
        "notch_back": (0.04, 0.16),
    }
    pts = np.array([unit[name] for name in EAR_KEYPOINTS]) * length
    t = np.deg2rad(tilt_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    return pts @ rot.T + np.array(centre)


def textured(seed: int = 0) -> Image.Image:
    """A sharp, well-lit photo: mid-grey with fine detail everywhere."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(60, 200, (SIZE[1] // 4, SIZE[0] // 4, 3))
    return Image.fromarray(small.astype(np.uint8)).resize(SIZE, Image.Resampling.NEAREST)


def with_noise(image: Image.Image, sigma: float, seed: int = 1) -> Image.Image:
    arr = np.asarray(image, dtype=np.float32) + np.random.default_rng(seed).normal(0, sigma, (SIZE[1], SIZE[0], 1))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def codes(found: Sequence[QualityIssue | Finding]) -> set[str]:
    return {f.code for f in found}


def test_a_sharp_photo_has_no_photometric_issue() -> None:
    assert photometric_issues(textured(), ear_landmarks()) == []


def test_a_noisy_but_sharp_photo_is_not_called_blurry() -> None:
    assert codes(photometric_issues(with_noise(textured(), 25.0), ear_landmarks())) == set()


@pytest.mark.parametrize("noise", [0.0, 12.0])
def test_a_blurred_photo_is_blurry_with_or_without_noise(noise: float) -> None:
    blurred = textured().filter(ImageFilter.GaussianBlur(9))
    assert codes(photometric_issues(with_noise(blurred, noise), ear_landmarks())) == {"blurry"}


def test_a_dark_photo_is_too_dark_and_nothing_else() -> None:
    dark = Image.fromarray((np.asarray(textured(), dtype=np.float32) * 0.1).astype(np.uint8))
    assert codes(photometric_issues(dark, ear_landmarks())) == {"too_dark"}


def test_dark_skin_in_a_well_lit_photo_is_not_too_dark() -> None:
    arr = np.asarray(textured(), dtype=np.float32) * 0.3  # dark skin filling most of the frame
    arr[:40] = 230  # a lit wall above it
    assert "too_dark" not in codes(photometric_issues(Image.fromarray(arr.astype(np.uint8)), ear_landmarks()))


def test_a_blown_out_photo_is_too_bright_and_nothing_else() -> None:
    bright = Image.fromarray(np.clip(np.asarray(textured(), dtype=np.float32) + 150, 0, 255).astype(np.uint8))
    assert codes(photometric_issues(bright, ear_landmarks())) == {"too_bright"}


def test_a_well_framed_ear_has_no_geometric_issue() -> None:
    assert geometric_issues(SIZE, ear_landmarks()) == []


def test_an_ear_over_the_border_is_cut_off_and_nothing_else() -> None:
    assert codes(geometric_issues(SIZE, ear_landmarks(centre=(320, 90)))) == {"ear_cut_off"}


def test_a_small_ear_is_too_small_and_nothing_else() -> None:
    assert codes(geometric_issues(SIZE, ear_landmarks(length=40))) == {"ear_too_small"}


def test_an_ear_seen_turned_over_is_bad_pose_and_nothing_else() -> None:
    assert codes(geometric_issues(SIZE, ear_landmarks(tilt_deg=60))) == {"bad_pose"}


def test_adult_proportions_pass_the_shape_guards() -> None:
    assert shape_findings(ear_landmarks()) == []


def test_a_concha_outside_the_ear_is_implausible() -> None:
    pts = ear_landmarks()
    pts[EAR_KEYPOINTS.index("concha_back")] += [150.0, 0.0]
    assert codes(shape_findings(pts)) == {"implausible_measurement"}


def test_an_ear_as_wide_as_it_is_long_is_implausible() -> None:
    pts = ear_landmarks()
    pts[EAR_KEYPOINTS.index("ear_back")] += [120.0, 0.0]
    assert "implausible_measurement" in codes(shape_findings(pts))


@pytest.mark.parametrize(("length", "width"), [(130.0, 35.0), (1011.0, 40.0), (62.0, 60.0), (35.0, 20.0)])
def test_sizes_outside_adult_ranges_are_rejected(length: float, width: float) -> None:
    assert codes(mm_findings({"ear_length": length, "ear_width": width})) == {"implausible_measurement"}


def test_adult_sizes_pass() -> None:
    assert mm_findings({"ear_length": 62.0, "ear_width": 34.0}) == []


def test_a_card_far_from_the_ear_is_inconsistent() -> None:
    card = np.array([[0.0, 0.0], [86.0, 0.0], [86.0, 54.0], [0.0, 54.0]]) + np.array([500.0, 380.0])
    assert codes(card_ear_findings(card, ear_landmarks(centre=(100, 100), length=60), 0.5, 0.5)) == {
        "scale_inconsistent"
    }


def test_a_card_at_another_depth_is_inconsistent() -> None:
    card = np.array([[0.0, 0.0], [86.0, 0.0], [86.0, 54.0], [0.0, 54.0]]) + np.array([380.0, 200.0])
    ear = ear_landmarks(centre=(300, 240), length=120)
    assert card_ear_findings(card, ear, 0.5, 0.52) == []
    assert codes(card_ear_findings(card, ear, 0.5, 0.8)) == {"scale_inconsistent"}


def analysis(*codes_found: str) -> EarAnalysis:
    return EarAnalysis(
        model="earnet-test",
        image_size=SIZE,
        ear_confidence=0.9,
        card_confidence=0.9,
        keypoints=(),
        card_corners=(),
        scale="relative",
        mm_per_px=None,
        measurements=(),
        quality=by_priority([issue(c) for c in codes_found]),
        tip_size=TipSizeEstimate(None, 0.0, True, "test"),
        confidence=0.5,
    )


@pytest.mark.parametrize("warning", ["no_reference_card", "card_not_verified"])
def test_a_card_warning_is_never_a_rejection_reason(warning: str) -> None:
    result = analysis(warning)
    assert result.usable
    assert result.rejection_reasons == ()
    assert result.primary_issue is None
    assert result.warnings == (warning,)


def test_a_rejected_photo_has_one_primary_reason_with_its_sentence() -> None:
    result = analysis("card_not_verified", "implausible_measurement", "blurry", "too_dark")
    assert not result.usable
    assert result.primary_issue is not None
    assert result.primary_issue.code == "too_dark"
    assert result.rejection_reasons[0] == "too_dark"
    assert "card_not_verified" not in result.rejection_reasons
    assert result.to_dict()["primary_reason"] == {"code": "too_dark", "message": RETAKE_GUIDANCE["too_dark"]}


def test_every_rejection_has_a_retake_sentence() -> None:
    for code in BLOCKING:
        assert RETAKE_GUIDANCE[code].endswith(".")
