"""Score a model on held-out rendered photos: MAE per measurement, tip-size agreement, detection.

    python -m inference.training.evaluate --card inference/models/earnet-1.1.0.json [--photos 400]

Test photos use seeds from 1,000,000 and calibration photos seeds from 2,000,000; training uses
0..N-1, so none is shared. Needs no torch: it runs the ONNX model through ``analyse_photo``, the
same path as the service, so an operator's ``evaluate_model`` command can call ``evaluate``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from inference.keypoints import EAR_KEYPOINTS, MEASUREMENTS
from inference.postprocess import TIP_BANDS
from inference.predict import _run, analyse_photo
from inference.registry import ModelSpec, load_spec
from inference.tensors import box_around
from inference.training.renderer import render_photo

TEST_SEED = 1_000_000
CALIBRATION_SEED = 2_000_000
EVAL_SIZES = ((640, 480), (480, 640))


def true_tip_size(notch_mm: float) -> str:
    return next(name for name, lo, hi in TIP_BANDS if lo <= notch_mm < hi)


@dataclass
class EvalReport:
    photos: int = 0
    errors: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in MEASUREMENTS})
    covered: dict[str, list[bool]] = field(default_factory=lambda: {m: [] for m in MEASUREMENTS})
    ear_correct: int = 0
    card_correct: int = 0
    measured: int = 0
    measurable: int = 0
    tip_agree: int = 0
    tip_given: int = 0
    tip_band_agree: int = 0
    blocking: dict[str, int] = field(default_factory=dict)
    spreads: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        mae = {m: round(float(np.mean(v)), 3) if v else None for m, v in self.errors.items()}
        rms = {m: round(float(np.sqrt(np.mean(np.square(v)))), 3) if v else None for m, v in self.errors.items()}
        coverage = {m: round(float(np.mean(v)), 3) if v else None for m, v in self.covered.items()}
        p95 = {m: round(float(np.percentile(v, 95)), 3) if v else None for m, v in self.errors.items()}
        return {
            "photos": self.photos,
            "mae_mm": mae,
            "rmse_mm": rms,
            "p95_abs_error_mm": p95,
            "uncertainty_coverage": coverage,
            "ear_detection_accuracy": round(self.ear_correct / max(1, self.photos), 4),
            "card_detection_accuracy": round(self.card_correct / max(1, self.photos), 4),
            "measured_with_card": f"{self.measured}/{self.measurable}",
            "tip_size_agreement_when_given": round(self.tip_agree / max(1, self.tip_given), 4),
            "tip_size_abstention_rate": round(1 - self.tip_given / max(1, self.measured), 4),
            "tip_size_band_agreement_all": round(self.tip_band_agree / max(1, self.measured), 4),
            "blocking_issue_rate_on_good_photos": {
                k: round(v / max(1, self.measurable), 4) for k, v in sorted(self.blocking.items())
            },
            "seconds_per_photo": round(self.seconds / max(1, self.photos), 4),
        }


def evaluate(spec: ModelSpec, *, photos: int = 400, first_seed: int = TEST_SEED, progress: bool = True) -> EvalReport:
    report = EvalReport()
    for seed in tqdm(range(first_seed, first_seed + photos), desc="evaluating", unit="photo", disable=not progress):
        truth = render_photo(seed, size=EVAL_SIZES[seed % 2])
        start = time.perf_counter()
        result = analyse_photo(truth.image, spec=spec)
        report.seconds += time.perf_counter() - start
        report.photos += 1
        found_ear = "no_ear" not in result.reasons
        found_card = result.scale == "mm"
        report.ear_correct += int(found_ear == truth.has_ear)
        report.card_correct += int(found_card == truth.has_card)
        if not (truth.has_ear and truth.has_card) or truth.measurements_mm is None:
            continue
        report.measurable += 1
        for q in result.quality:
            if q.blocking:
                report.blocking[q.code] = report.blocking.get(q.code, 0) + 1
        if truth.ear_keypoints_px is not None:
            box = box_around(truth.ear_keypoints_px, margin=1.55, size=spec.input_size)
            report.spreads.extend(_run(spec, truth.image, box, None).spread[: len(EAR_KEYPOINTS)].tolist())
        if not (found_ear and found_card):
            continue
        report.measured += 1
        for m in result.measurements:
            err = abs(m.value - truth.measurements_mm[m.name])
            report.errors[m.name].append(err)
            report.covered[m.name].append(err <= m.uncertainty)
        true_tip = true_tip_size(truth.measurements_mm["intertragal_notch_width"])
        notch = result.measurement("intertragal_notch_width")
        if notch is not None and true_tip_size(notch.value) == true_tip:
            report.tip_band_agree += 1
        if result.tip_size.size is not None:
            report.tip_given += 1
            report.tip_agree += int(result.tip_size.size == true_tip)
    return report


def _update_card(card_path: Path, key: str, value: Any) -> None:
    card = json.loads(card_path.read_text())
    card[key] = value
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def evaluate_and_record(card_path: Path, *, photos: int = 400) -> dict[str, Any]:
    """Calibrate uncertainties on one seed range, then score on another; both go in the card."""
    spec = load_spec(card_path)
    calibration = evaluate(spec, photos=max(100, photos // 2), first_seed=CALIBRATION_SEED)
    sigma = {m: round(float(np.sqrt(np.mean(np.square(v)))), 3) for m, v in calibration.errors.items() if v}
    spread_ref = float(np.median(calibration.spreads)) if calibration.spreads else 0.02
    _update_card(
        card_path,
        "calibration",
        {
            "sigma_mm": sigma,
            "spread_reference": round(spread_ref, 5),
            "photos": calibration.photos,
            "seeds": f"{CALIBRATION_SEED}..{CALIBRATION_SEED + calibration.photos - 1}",
            "method": "RMS error per measurement on calibration renders; uncertainty = sigma x "
            "clip(landmark heatmap spread / spread_reference, 1, 3)",
        },
    )
    spec = load_spec(card_path)
    report = evaluate(spec, photos=photos, first_seed=TEST_SEED)
    summary = report.summary()
    summary["seeds"] = f"{TEST_SEED}..{TEST_SEED + photos - 1}"
    summary["note"] = "Held-out RENDERED photos only; real-world accuracy is unvalidated."
    _update_card(card_path, "metrics", summary)
    print(json.dumps(summary, indent=2))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--card", type=Path, default=Path("inference/models/earnet-1.1.0.json"))
    parser.add_argument("--photos", type=int, default=400)
    parser.add_argument("--record", action="store_true", help="recalibrate and write metrics to the card")
    args = parser.parse_args()
    if args.record:
        evaluate_and_record(args.card, photos=args.photos)
        return
    summary = evaluate(load_spec(args.card), photos=args.photos).summary()
    print(json.dumps(summary, indent=2))
    if any(v is not None and math.isnan(v) for v in summary["mae_mm"].values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
