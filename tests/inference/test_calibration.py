"""The decisions (thresholds, uncertainty factors) are chosen on calibration data only, by rules that
do what they say, and shipped in the model card; the README's figures are the card's."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference import predict
from inference.keypoints import MEASUREMENTS
from inference.plausibility import Finding
from inference.predict import analyse_photo
from inference.registry import MODELS_DIR, load_spec, read_model_card, spec_for_version
from inference.training.calibration import Signals, choose, write_decisions
from inference.training.card_report import readme_block, render
from inference.training.negatives import CATALOGUE, eval_half
from inference.training.renderer import render_photo

README = Path(__file__).resolve().parents[2] / "README.md"


def _signals(seed: int = 0) -> list[Signals]:
    """Renders whose ears score higher than their no-ear photos, and negatives that overlap them."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(600):
        has_ear, has_card = i % 5 != 0, i % 7 != 0
        ear_logit = rng.normal(4.0 if has_ear else -3.0, 2.0)
        card_logit = rng.normal(3.0 if has_card else -2.0, 1.5)
        raw_sigma = rng.uniform(0.5, 2.0)
        errors = {m: abs(rng.normal(0.0, 2.0 * raw_sigma)) for m in MEASUREMENTS}
        z = {m: errors[m] / raw_sigma for m in MEASUREMENTS}
        out.append(Signals("render", has_ear, has_card, ear_logit, card_logit, has_ear and has_card, errors, z))
    for i in range(400):
        kind = "negative_seen" if i % 2 else "negative_unseen"
        # One negative with a high ear score that would carry millimetres: the threshold must pass it by.
        mm = i == 3
        ear_logit = 9.0 if mm else rng.normal(-2.0, 2.5)
        out.append(Signals(kind, False, i % 2 == 1, ear_logit, rng.normal(0.0, 2.0), mm, {}, {}))
    return out


def test_the_ear_threshold_keeps_negatives_within_the_budget_and_never_gives_them_millimetres() -> None:
    signals = _signals()
    decisions = choose(signals, budget=0.005)
    on = decisions["on_calibration"]
    negatives = on["negatives"]
    accepted = negatives["negative_seen"]["ear_false_accepts"] + negatives["negative_unseen"]["ear_false_accepts"]
    assert accepted <= 0.005 * 400
    assert negatives["negative_seen"]["photos_with_mm"] + negatives["negative_unseen"]["photos_with_mm"] == 0
    # A looser budget accepts more ears: the rule is the lowest threshold within the budget.
    looser = choose(signals, budget=0.05)
    assert looser["presence"]["threshold"] <= decisions["presence"]["threshold"]
    assert looser["on_calibration"]["ear_recall"] >= on["ear_recall"]


def test_the_uncertainty_factor_covers_68_percent_on_calibration() -> None:
    on = choose(_signals())["on_calibration"]
    for m in MEASUREMENTS:
        assert abs(on["within_1_sigma"][m] - 0.6827) < 0.02
        assert on["within_2_sigma"][m] > on["within_1_sigma"][m]


def test_the_card_threshold_is_the_most_accurate_on_calibration_renders() -> None:
    signals = _signals()
    decisions = choose(signals)
    renders = [s for s in signals if s.kind == "render"]
    logits = np.array([s.card_logit for s in renders])
    truth = np.array([s.has_card for s in renders])
    best = max(float(((logits >= t) == truth).mean()) for t in logits)
    assert decisions["on_calibration"]["no_reference_card_accuracy"] == round(best, 4)


def test_decisions_ship_in_the_card_and_the_runtime_reads_them(tmp_path: Path) -> None:
    for name in ("earnet-2.0.0.json", "earnet-2.0.0.onnx"):
        shutil.copy(MODELS_DIR / name, tmp_path / name)
    decisions = choose(_signals())
    write_decisions(tmp_path / "earnet-2.0.0.json", decisions, photos=600, negative_views=16)
    pp = load_spec(tmp_path / "earnet-2.0.0.json").postprocessing
    assert pp.ear_threshold == decisions["presence"]["threshold"]
    assert pp.card_threshold == decisions["presence"]["card_threshold"]
    assert pp.ear_threshold_unshaped == decisions["presence"]["threshold_unshaped"]
    assert pp.min_landmark_confidence == decisions["presence"]["min_landmark_confidence"]
    assert dict(pp.z_scale) == decisions["z_scale"]
    assert decisions["max_length_rel_sigma"] is None  # these signals carry no relative sigma: no ceiling
    assert pp.max_length_rel_sigma == float("inf")


def test_the_uncertainty_ceiling_is_the_largest_relative_sigma_of_the_renders_given_millimetres() -> None:
    signals = [
        dataclasses.replace(s, length_rel_sigma=0.01 * (i % 9 + 1)) if s.kind == "render" else s
        for i, s in enumerate(_signals())
    ]
    decisions = choose(signals)
    z = decisions["z_scale"]["ear_length"]
    assert decisions["max_length_rel_sigma"] == pytest.approx(0.09 * z, abs=1e-4)
    assert decisions["max_length_rel_sigma"] >= 0.09 * z  # rounded up: no calibration render is refused


def test_millimetres_beyond_the_uncertainty_ceiling_are_refused() -> None:
    spec = spec_for_version("2.1.0")
    image = render_photo(1_000_107, size=(640, 480), style="photo", ear=True, card=True).image
    measured = analyse_photo(image, spec=spec)
    assert measured.scale == "mm", measured.reasons
    length = measured.measurement("ear_length")
    assert length is not None
    assert length.uncertainty <= spec.postprocessing.max_length_rel_sigma * length.value
    tight = dataclasses.replace(spec.postprocessing, max_length_rel_sigma=0.5 * length.uncertainty / length.value)
    refused = analyse_photo(image, spec=dataclasses.replace(spec, postprocessing=tight))
    assert refused.scale == "relative"
    assert refused.primary_issue is not None
    assert refused.primary_issue.code == "implausible_measurement"
    assert refused.measurements == ()


def test_the_negative_set_halves_are_disjoint_and_the_report_half_has_every_category() -> None:
    evaluation = [(member, category) for _, member, category, split in CATALOGUE if split == "eval"]
    halves = {member: eval_half(member) for member, _ in evaluation}
    report = {category for member, category in evaluation if halves[member] == "report"}
    assert report == {category for _, category in evaluation}
    assert set(halves.values()) == {"report", "calibration"}
    assert abs(sum(h == "report" for h in halves.values()) - len(halves) / 2) <= len(report) / 2


def test_landmarks_without_an_ear_s_proportions_need_the_higher_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for_version("2.0.0")
    image = render_photo(1_000_107, size=(640, 480), style="photo", ear=True, card=True).image
    assert "no_ear" not in analyse_photo(image, spec=spec).reasons
    monkeypatch.setattr(predict, "shape_findings", lambda _: [Finding("implausible_measurement", "made up")])
    lenient = dataclasses.replace(spec.postprocessing, ear_threshold_unshaped=0.0)
    assert "no_ear" not in analyse_photo(image, spec=dataclasses.replace(spec, postprocessing=lenient)).reasons
    strict = dataclasses.replace(spec.postprocessing, ear_threshold_unshaped=1.0)
    assert "no_ear" in analyse_photo(image, spec=dataclasses.replace(spec, postprocessing=strict)).reasons


def test_look_alikes_with_diffuse_landmarks_raise_the_landmark_gate_not_the_threshold() -> None:
    rng = np.random.default_rng(3)
    sharp = [
        dataclasses.replace(
            s, landmark_confidence=float(rng.uniform(0.3, 0.7)) if s.has_ear else float(rng.uniform(0, 0.5))
        )
        for s in _signals()
    ]
    # Look-alikes the network scores as surely as an ear, but whose landmarks are diffuse.
    look_alikes = [
        Signals("negative_unseen", False, False, 6.0, -2.0, False, {}, {}, landmark_confidence=0.05) for _ in range(20)
    ]
    gated = choose(sharp + look_alikes)
    presence, on = gated["presence"], gated["on_calibration"]
    assert 0.05 < presence["min_landmark_confidence"] < 0.7  # above the look-alikes, below most ears
    assert on["negative_false_accept_rate"] <= 0.005
    # Without the landmark difference only a threshold above the look-alikes' score keeps them out.
    blurred = choose(sharp + [dataclasses.replace(s, landmark_confidence=0.5) for s in look_alikes])
    assert blurred["on_calibration"]["ear_recall"] < on["ear_recall"]


def test_an_ear_with_diffuse_landmarks_is_no_ear() -> None:
    spec = spec_for_version("2.1.0")
    image = render_photo(1_000_107, size=(640, 480), style="photo", ear=True, card=True).image
    found = analyse_photo(image, spec=spec)
    assert "no_ear" not in found.reasons
    sharpness = float(np.mean([k.confidence for k in found.keypoints]))
    stricter = dataclasses.replace(spec.postprocessing, min_landmark_confidence=sharpness + 0.01)
    refused = analyse_photo(image, spec=dataclasses.replace(spec, postprocessing=stricter))
    assert refused.primary_issue is not None
    assert refused.primary_issue.code == "no_ear"


def test_the_zoomed_card_crop_has_its_say(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = spec_for_version("2.1.0")
    assert spec.postprocessing.card_presence == "full_frame_and_crop"
    image = render_photo(1_000_107, size=(640, 480), style="photo", ear=True, card=True).image
    assert "no_reference_card" not in analyse_photo(image, spec=spec).reasons
    refine = predict._refine

    def crop_sees_no_card(*args: object) -> predict._Refined:
        refined = refine(*args)  # type: ignore[arg-type]
        return dataclasses.replace(refined, first_logits=(refined.first_logits[0], -60.0))

    monkeypatch.setattr(predict, "_refine", crop_sees_no_card)
    assert "no_reference_card" in analyse_photo(image, spec=spec).reasons
    full_frame = dataclasses.replace(spec.postprocessing, card_presence="full_frame")
    assert (
        "no_reference_card"
        not in analyse_photo(image, spec=dataclasses.replace(spec, postprocessing=full_frame)).reasons
    )


@pytest.mark.parametrize("version", ["2.0.0", "2.1.0"])
def test_a_shipped_2_x_card_holds_its_decisions_and_the_readme_its_figures(version: str) -> None:
    card = read_model_card(MODELS_DIR / f"earnet-{version}.json")
    presence = card["calibration"]["presence"]
    assert card["postprocessing"]["presence"]["card_threshold"] == presence["card_threshold"]
    assert card["metrics"]["negative_set"]["half"].startswith("report")
    assert readme_block(README.read_text(), version) == render(card, card["metrics_command"])
    assert json.loads(json.dumps(card["targets"])) == card["metrics"]["targets"]
