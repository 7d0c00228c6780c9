"""End to end on rendered photos (held-out seeds the model never trained on) with the shipped model."""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
import pytest
from PIL import Image, ImageFilter

from inference import predict
from inference.predict import analyse_photo, render_overlay
from inference.registry import ModelSpec
from inference.training.renderer import RenderedPhoto, render_photo
from inference.types import QualityIssue

# Generous per-photo tolerances (mm): the held-out MAE in the card is well below these; a broken
# scale, a swapped landmark or a wrong homography blows far past them.
TOLERANCE_MM = {
    "ear_length": 5.0,
    "ear_width": 5.0,
    "concha_height": 4.0,
    "concha_width": 4.0,
    "intertragal_notch_width": 3.0,
}
SEEDS = (1_000_101, 1_000_102, 1_000_103)


def photo(seed: int, **kwargs: bool) -> RenderedPhoto:
    return render_photo(seed, size=(640, 480), **kwargs)


@pytest.mark.parametrize("seed", SEEDS)
def test_photo_with_ear_and_card_is_measured_in_mm_close_to_truth(seed: int, spec: ModelSpec) -> None:
    truth = photo(seed, ear=True, card=True)
    assert truth.measurements_mm is not None
    result = analyse_photo(truth.image, spec=spec)
    assert result.scale == "mm"
    assert "no_ear" not in result.reasons
    assert "no_reference_card" not in result.reasons
    for m in result.measurements:
        assert m.unit == "mm"
        assert m.uncertainty > 0
        assert abs(m.value - truth.measurements_mm[m.name]) < TOLERANCE_MM[m.name], m.name
    assert len(result.keypoints) == 10
    assert len(result.card_corners) == 4


def test_single_scale_refinement_still_measures_close_to_truth(
    spec: ModelSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last pass's extra scales are test-time augmentation: turning them off must not break
    the pipeline."""
    truth = photo(SEEDS[0], ear=True, card=True)
    assert truth.measurements_mm is not None
    averaged = analyse_photo(truth.image, spec=spec)
    for plan in ("EAR_REFINEMENT", "CARD_REFINEMENT"):
        monkeypatch.setattr(predict, plan, dataclasses.replace(getattr(predict, plan), last_scales=(1.0,)))
    single = analyse_photo(truth.image, spec=spec)
    for m in single.measurements:
        assert abs(m.value - truth.measurements_mm[m.name]) < TOLERANCE_MM[m.name], m.name
    assert [m.value for m in single.measurements] != [m.value for m in averaged.measurements]


def test_photo_without_card_gives_relative_measurements(spec: ModelSpec) -> None:
    truth = photo(1_000_201, ear=True, card=False)
    result = analyse_photo(truth.image, spec=spec)
    assert result.scale == "relative"
    assert "no_reference_card" in result.reasons
    assert result.mm_per_px is None
    assert all(m.unit == "ratio" for m in result.measurements)
    length = result.measurement("ear_length")
    assert length is not None
    assert length.value == pytest.approx(1.0)
    assert result.tip_size.abstained


def test_photo_without_ear_says_no_ear(spec: ModelSpec) -> None:
    result = analyse_photo(photo(1_000_301, ear=False, card=True).image, spec=spec)
    assert "no_ear" in result.reasons
    assert not result.usable
    assert result.measurements == ()


def test_dark_photo_is_too_dark(spec: ModelSpec) -> None:
    image = photo(SEEDS[0], ear=True, card=True).image
    dark = Image.fromarray((np.asarray(image, dtype=np.float32) * 0.12).astype(np.uint8))
    result = analyse_photo(dark, spec=spec)
    assert "too_dark" in result.reasons
    assert not result.usable


def test_blurred_photo_is_blurry(spec: ModelSpec) -> None:
    image = photo(SEEDS[1], ear=True, card=True).image.filter(ImageFilter.GaussianBlur(6))
    result = analyse_photo(image, spec=spec)
    assert {"blurry", "no_ear"} & set(result.reasons)
    assert not result.usable


def test_overlay_is_an_image_of_the_photo(spec: ModelSpec) -> None:
    truth = photo(SEEDS[0], ear=True, card=True)
    result = analyse_photo(truth.image, spec=spec)
    png = render_overlay(truth.image, result)
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG"
        assert im.size == truth.image.size


def test_the_overlay_draws_shapes_not_reason_codes(spec: ModelSpec) -> None:
    """Quality codes (`no_reference_card`) are for programs: the picture a shopper sees never shows one."""
    truth = photo(SEEDS[0], ear=True, card=True)
    result = analyse_photo(truth.image, spec=spec)
    flagged = dataclasses.replace(result, quality=(QualityIssue("no_reference_card", "No card.", False),))
    assert render_overlay(truth.image, flagged) == render_overlay(truth.image, dataclasses.replace(result, quality=()))


def test_analysis_is_json_serialisable(spec: ModelSpec) -> None:
    result = analyse_photo(photo(SEEDS[2], ear=True, card=True).image, spec=spec)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["model"] == spec.label
    assert {m["name"] for m in data["measurements"]} == {
        "ear_length",
        "ear_width",
        "concha_height",
        "concha_width",
        "intertragal_notch_width",
    }
