"""Score a model version honestly: held-out renders, per condition, and real negative photographs.

    python -m inference.training.evaluate 2.0.0 [--photos 1000] [--negative-views 8] [--record]

- **Held-out renders** use seeds from 1,000,000 (test); calibration uses seeds from 2,000,000;
  training used 0..N-1, so no rendered photo is shared. Test renders composite the negative set's
  *evaluation* split as backgrounds, calibration renders its *training* split.
- **Every figure has a 95 % confidence interval**: a percentile bootstrap over photos (2,000
  resamples, fixed seed) for means and rates, Clopper-Pearson for a rate whose events are rare
  (false accepts), and for the negative set a bootstrap over *pictures* (views of one picture are
  not independent).
- **Per condition**: no card, tilted card, hair over the ear, dark skin, low light, small ear.
- **Negative set**: views of the evaluation split's real photographs (random crops, half with a
  drawn card pasted in), made phone-sized (4032 x 3024 JPEG) and sent through the service's own
  decode path; it counts ear false accepts and photos that carried millimetres (must be 0).
- ``--record`` first calibrates on the calibration seeds (ear presence by Platt scaling and its
  threshold; the uncertainty factor per measurement), then scores the test seeds once and writes
  both into the model card: the card's metrics are this command's output, never typed by hand.

Needs no torch: it runs the ONNX model through ``analyse_photo``, the path the service runs.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from inference.keypoints import MEASUREMENTS
from inference.postprocess import TIP_BANDS, sigmoid
from inference.predict import analyse_photo
from inference.preprocess import decode_photo
from inference.registry import MODELS_DIR, ModelSpec, load_spec
from inference.training.renderer import render_photo
from inference.training.scene import CONDITIONS, RenderedPhoto, photo_view

TEST_SEED = 1_000_000
CALIBRATION_SEED = 2_000_000
EVAL_SIZES = ((640, 480), (480, 640))
BOOTSTRAP = 2000
PHONE_SIZE = (4032, 3024)
NEGATIVE_SEED = 4_000_000
RAW_SCALE = 0.1


def true_tip_size(notch_mm: float) -> str:
    return next(name for name, lo, hi in TIP_BANDS if lo <= notch_mm < hi)


@dataclass
class PhotoRecord:
    """What happened to one held-out photo."""

    seed: int
    conditions: list[str]
    has_ear: bool
    has_card: bool
    found_ear: bool
    no_card_warned: bool  # the no_reference_card warning fired
    mm: bool  # millimetres were reported
    usable: bool
    primary: str | None
    errors: dict[str, float] = field(default_factory=dict)  # |measured - true| mm
    z: dict[str, float] = field(default_factory=dict)  # |error| / reported sigma
    ear_logit: float = 0.0
    tip_given: bool = False
    tip_agrees: bool = False


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def score_photo(spec: ModelSpec, truth: RenderedPhoto, seed: int) -> PhotoRecord:
    result = analyse_photo(truth.image, spec=spec)
    primary = result.primary_issue
    record = PhotoRecord(
        seed=seed,
        conditions=sorted(truth.conditions),
        has_ear=truth.has_ear,
        has_card=truth.has_card,
        found_ear="no_ear" not in result.reasons,
        no_card_warned="no_reference_card" in result.reasons,
        mm=result.scale == "mm" and bool(result.measurements),
        usable=result.usable,
        primary=primary.code if primary else None,
        ear_logit=_logit(result.ear_confidence),
    )
    if record.mm and truth.measurements_mm is not None:
        for m in result.measurements:
            err = abs(m.value - truth.measurements_mm[m.name])
            record.errors[m.name] = err
            record.z[m.name] = err / max(m.uncertainty, 1e-9)
        true_tip = true_tip_size(truth.measurements_mm["intertragal_notch_width"])
        if result.tip_size.size is not None:
            record.tip_given = True
            record.tip_agrees = result.tip_size.size == true_tip
    return record


def score_renders(
    spec: ModelSpec,
    *,
    photos: int,
    first_seed: int,
    backgrounds: Sequence[Image.Image] = (),
    style: str = "photo",
    progress: bool = True,
) -> list[PhotoRecord]:
    records = []
    for seed in tqdm(range(first_seed, first_seed + photos), desc="renders", unit="photo", disable=not progress):
        truth = render_photo(seed, size=EVAL_SIZES[seed % 2], style=style, backgrounds=backgrounds)
        records.append(score_photo(spec, truth, seed))
    return records


@dataclass
class NegativeRecord:
    picture: str
    category: str
    with_card: bool
    found_ear: bool
    mm: bool
    primary: str | None
    ear_logit: float


# The service's PHOTO_STORED_LONG_SIDE default: the scale the service decodes and measures at
# (tests/inference/test_evaluate_limits.py keeps the two equal).
EVALUATION_STORED_LONG_SIDE = 500


def phone_photo(image: Image.Image, *, stored_long_side: int = EVALUATION_STORED_LONG_SIDE) -> Image.Image:
    """The picture as a phone would send it (4032 x 3024 JPEG) and as the service decodes it.

    The upload limits do not apply here (the photo is made within them); the decode scale does."""
    landscape = image.width >= image.height
    size = PHONE_SIZE if landscape else PHONE_SIZE[::-1]
    big = image.resize(size, Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    return decode_photo(
        data, max_bytes=len(data), max_pixels=big.width * big.height, target_long_side=stored_long_side
    ).image


def score_negatives(
    spec: ModelSpec, pictures: Sequence[tuple[Any, Image.Image]], *, views: int, progress: bool = True
) -> list[NegativeRecord]:
    """``views`` views per picture (alternately without and with a pasted card), at phone size."""
    rng = np.random.default_rng(NEGATIVE_SEED)
    records = []
    jobs = [(p, im, v) for p, im in pictures for v in range(views)]
    for picture, image, v in tqdm(jobs, desc="negatives", unit="photo", disable=not progress):
        shape = (640, 480) if rng.random() < 0.5 else (480, 640)
        view = photo_view(image, rng, shape, card=v % 2 == 1)
        result = analyse_photo(phone_photo(view.image), spec=spec)
        primary = result.primary_issue
        records.append(
            NegativeRecord(
                picture=picture.file,
                category=picture.category,
                with_card=v % 2 == 1,
                found_ear="no_ear" not in result.reasons,
                mm=result.scale == "mm" and bool(result.measurements),
                primary=primary.code if primary else None,
                ear_logit=_logit(result.ear_confidence),
            )
        )
    return records


def bootstrap_ci(values: Sequence[float], *, stat: str = "mean", seed: int = 0) -> tuple[float, float, float] | None:
    """(estimate, low, high): 95 % percentile bootstrap of the mean (or a rate of 0/1 values)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.size == 0:
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, (BOOTSTRAP, arr.size))
    boots = arr[idx].mean(axis=1)
    return float(arr.mean()), float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))


def clopper_pearson(events: int, n: int) -> tuple[float, float]:
    """Exact 95 % interval of a binomial rate, by bisection on the binomial tail."""
    if n == 0:
        return (0.0, 1.0)

    def tail_ge(p: float, k: int) -> float:  # P(X >= k)
        return 1.0 - sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k))

    def solve(f: Any, target: float) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if f(mid) < target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    # Both tails grow with p: the lower bound puts 2.5 % above the count, the upper 2.5 % below it.
    low = 0.0 if events == 0 else solve(lambda p: tail_ge(p, events), 0.025)
    high = 1.0 if events == n else solve(lambda p: tail_ge(p, events + 1), 0.975)
    return low, high


def _ci(values: Sequence[float], digits: int = 3) -> dict[str, Any] | None:
    found = bootstrap_ci(values)
    if found is None:
        return None
    est, lo, hi = found
    return {"value": round(est, digits), "ci95": [round(lo, digits), round(hi, digits)], "n": len(values)}


def summarise_renders(records: Sequence[PhotoRecord]) -> dict[str, Any]:
    measured = [r for r in records if r.errors]
    out: dict[str, Any] = {"photos": len(records)}
    out["mae_mm"] = {m: _ci([r.errors[m] for r in measured if m in r.errors]) for m in MEASUREMENTS}
    out["p95_abs_error_mm"] = {
        m: round(float(np.percentile([r.errors[m] for r in measured], 95)), 3) if measured else None
        for m in MEASUREMENTS
    }
    out["within_1_sigma"] = {m: _ci([float(r.z[m] <= 1) for r in measured if m in r.z]) for m in MEASUREMENTS}
    out["within_2_sigma"] = {m: _ci([float(r.z[m] <= 2) for r in measured if m in r.z]) for m in MEASUREMENTS}
    out["no_ear_accuracy"] = _ci([float(r.found_ear == r.has_ear) for r in records])
    out["no_reference_card_accuracy"] = _ci([float(r.no_card_warned != r.has_card) for r in records])
    with_card = [r for r in records if r.has_ear and r.has_card]
    out["mm_given_on_photos_with_ear_and_card"] = _ci([float(r.mm) for r in with_card])
    no_card = [r for r in records if not r.has_card]
    out["mm_given_without_card"] = {"count": sum(r.mm for r in no_card), "of": len(no_card)}
    no_ear = [r for r in records if not r.has_ear]
    out["ear_false_accept_on_renders_without_ear"] = _ci([float(r.found_ear) for r in no_ear], 4)
    rejected: dict[str, int] = {}
    for r in with_card:
        if r.primary:
            rejected[r.primary] = rejected.get(r.primary, 0) + 1
    out["rejections_on_photos_with_ear_and_card"] = {"of": len(with_card), **dict(sorted(rejected.items()))}
    tips = [r for r in measured if r.tip_given]
    out["tip_size"] = {
        "given": f"{len(tips)}/{len(measured)}",
        "agreement_when_given": _ci([float(r.tip_agrees) for r in tips]),
    }
    out["by_condition"] = {}
    for condition in CONDITIONS:
        subset = [r for r in records if condition in r.conditions]
        sub_measured = [r for r in subset if r.errors]
        out["by_condition"][condition] = {
            "photos": len(subset),
            "ear_length_mae_mm": _ci([r.errors["ear_length"] for r in sub_measured]),
            "ear_width_mae_mm": _ci([r.errors["ear_width"] for r in sub_measured]),
            "mm_given": _ci([float(r.mm) for r in subset if r.has_ear and r.has_card]),
            "no_ear_accuracy": _ci([float(r.found_ear == r.has_ear) for r in subset]),
        }
    return out


def summarise_negatives(records: Sequence[NegativeRecord]) -> dict[str, Any]:
    n = len(records)
    accepts = sum(r.found_ear for r in records)
    mm = sum(r.mm for r in records)
    pictures = sorted({r.picture for r in records})
    rng = np.random.default_rng(1)
    by_picture = {p: [r.found_ear for r in records if r.picture == p] for p in pictures}
    boots = []
    for _ in range(BOOTSTRAP):
        pick = rng.integers(0, len(pictures), len(pictures))
        flat = [x for i in pick for x in by_picture[pictures[i]]]
        boots.append(float(np.mean(flat)) if flat else 0.0)
    low, high = clopper_pearson(accepts, n)
    return {
        "photos": n,
        "pictures": len(pictures),
        "with_drawn_card": sum(r.with_card for r in records),
        "size": f"{PHONE_SIZE[0]}x{PHONE_SIZE[1]} JPEG, decoded by the service's path",
        "ear_false_accepts": accepts,
        "ear_false_accept_rate": {
            "value": round(accepts / max(1, n), 4),
            "ci95_clopper_pearson": [round(low, 4), round(high, 4)],
            "ci95_bootstrap_over_pictures": [
                round(float(np.percentile(boots, 2.5)), 4),
                round(float(np.percentile(boots, 97.5)), 4),
            ],
        },
        "photos_with_mm": mm,
        "false_accepts_by_category": {
            c: sum(r.found_ear for r in records if r.category == c) for c in sorted({r.category for r in records})
        },
    }


def _platt(logits: Sequence[float], labels: Sequence[float], *, ridge: float = 1.0) -> tuple[float, float]:
    """Logistic regression of the labels on one logit (Newton's method): the calibration map.

    Platt's own smoothed targets, (N+ + 1) / (N+ + 2) for positives and 1 / (N- + 2) for negatives,
    keep the map a probability rather than a step when the calibration data are (nearly)
    separated, and a small ridge towards the identity map keeps the solve well posed.
    """
    x = np.clip(np.asarray(logits, dtype=np.float64), -30, 30)
    raw = np.asarray(labels, dtype=np.float64)
    positives, negatives = float(raw.sum()), float(len(raw) - raw.sum())
    y = np.where(raw > 0.5, (positives + 1) / (positives + 2), 1 / (negatives + 2))

    def loss(a: float, b: float) -> float:
        z = a * x + b
        return float(np.sum(np.logaddexp(0, z) - y * z)) + ridge * ((a - 1.0) ** 2 + b * b) / 2

    # Newton's method with step halving: a full Newton step on logits this wide can overshoot
    # into a saturated region and never come back.
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(a * x + b, -60, 60)))
        w = p * (1 - p) + 1e-9
        grad = np.array([np.sum((p - y) * x) + ridge * (a - 1.0), np.sum(p - y) + ridge * b])
        hess = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + ridge * np.eye(2)
        step = np.linalg.solve(hess, grad)
        current, t = loss(a, b), 1.0
        while t > 1e-6 and loss(a - t * step[0], b - t * step[1]) > current:
            t /= 2
        a, b = a - t * step[0], b - t * step[1]
        if np.abs(t * step).max() < 1e-9:
            break
    return float(a), float(b)


def _card(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def _write_card(path: Path, card: dict[str, Any]) -> None:
    path.write_text(json.dumps(card, indent=2) + "\n")


def calibrate(card_path: Path, *, photos: int, negative_views: int, progress: bool = True) -> dict[str, Any]:
    """Fit ear-presence calibration and the uncertainty factors on calibration data only."""
    from inference.training.negatives import load_negatives

    spec = load_spec(card_path)
    # Presence read through a flat map (logit x RAW_SCALE) so that the rounded probabilities in the
    # result still give the logit back precisely; the decision (logit >= 0) is the uncalibrated one.
    raw = dataclasses.replace(
        spec,
        postprocessing=dataclasses.replace(
            spec.postprocessing, presence_scale=RAW_SCALE, presence_bias=0.0, ear_threshold=0.5, z_scale=()
        ),
    )
    train_split = load_negatives(split="train")
    backgrounds = [im for _, im in train_split]
    records = score_renders(raw, photos=photos, first_seed=CALIBRATION_SEED, backgrounds=backgrounds, progress=progress)
    negatives = score_negatives(raw, train_split, views=negative_views, progress=progress)
    logits = [r.ear_logit / RAW_SCALE for r in records] + [r.ear_logit / RAW_SCALE for r in negatives]
    labels = [float(r.has_ear) for r in records] + [0.0] * len(negatives)
    scale, bias = _platt(logits, labels)
    probs = np.array([sigmoid(scale * x + bias) for x in logits])
    truth = np.asarray(labels) > 0.5
    # The threshold: the calibrated probability (at least 0.5) that best separates ears from
    # everything else on the calibration data (Youden's J: recall minus false-accept rate); the
    # test negatives are never looked at for it.
    candidates = [0.5, *sorted({float(p) for p in probs if p > 0.5})]
    threshold = max(candidates, key=lambda t: float((probs[truth] >= t).mean() - (probs[~truth] >= t).mean()))
    measured = [r for r in records if r.z]
    z_scale = (
        {m: round(float(np.quantile([r.z[m] for r in measured], 0.6827)), 4) for m in MEASUREMENTS} if measured else {}
    )
    within2 = {m: round(float(np.mean([r.z[m] / z_scale[m] <= 2 for r in measured])), 3) for m in z_scale}
    calibration = {
        "seeds": f"{CALIBRATION_SEED}..{CALIBRATION_SEED + photos - 1}",
        "photos": photos,
        "negatives": f"{len(negatives)} views of the negative set's training split",
        "presence": {"scale": round(scale, 5), "bias": round(bias, 5), "threshold": round(threshold, 4)},
        "presence_on_calibration": {
            "ear_recall": round(float((probs[truth] >= threshold).mean()), 4),
            "false_accept_rate": round(float((probs[~truth] >= threshold).mean()), 4),
            "photos_with_ear": int(truth.sum()),
            "photos_without_ear": int((~truth).sum()),
        },
        "z_scale": z_scale,
        "within_2_sigma_on_calibration": within2,
        "measured_photos": len(measured),
        "method": "Ear presence: Platt scaling of min(full-frame, zoomed-crop) ear logit on calibration renders "
        "and negative-set training views; threshold: the calibrated probability (at least 0.5) with the best "
        "recall minus false-accept rate on those calibration data. Uncertainty: per photo, the landmarks' heatmap spread and the spread of "
        "the mirrored and rescaled views, and the card corners' Monte Carlo scale error, combined; times "
        "z_scale, the 68.27th percentile of |error| / that uncertainty on calibration renders.",
    }
    card = _card(card_path)
    card["calibration"] = {**card.get("calibration", {}), **calibration}
    _write_card(card_path, card)
    return calibration


def evaluate(
    spec: ModelSpec,
    *,
    photos: int = 400,
    first_seed: int = TEST_SEED,
    progress: bool = True,
    negative_views: int = 0,
    style: str = "photo",
) -> dict[str, Any]:
    """Score held-out renders (and, with ``negative_views``, the negative set's evaluation split)."""
    backgrounds: list[Image.Image] = []
    eval_split: list[tuple[Any, Image.Image]] = []
    if style == "photo":
        from inference.training.negatives import load_negatives

        eval_split = load_negatives(split="eval")
        backgrounds = [im for _, im in eval_split]
    start = time.perf_counter()
    records = score_renders(
        spec, photos=photos, first_seed=first_seed, backgrounds=backgrounds, style=style, progress=progress
    )
    seconds = time.perf_counter() - start
    summary: dict[str, Any] = {
        "model": spec.label,
        "renderer": style,
        "seeds": f"{first_seed}..{first_seed + photos - 1}",
        **summarise_renders(records),
        "seconds_per_photo": round(seconds / max(1, photos), 4),
    }
    if negative_views and eval_split:
        summary["negative_set"] = summarise_negatives(
            score_negatives(spec, eval_split, views=negative_views, progress=progress)
        )
    summary["note"] = (
        "Held-out RENDERED photos and free-licence photographs without ears only. Accuracy on real "
        "ears is NOT validated: that needs a study with real people (see validation_plan)."
    )
    summary["targets"] = targets(summary)
    return summary


def targets(summary: dict[str, Any]) -> dict[str, Any]:
    """The release targets, each with the measured figure and whether it is met."""

    def upper(block: dict[str, Any] | None) -> float:
        return float(block["ci95"][1]) if block else math.inf

    def value(block: dict[str, Any] | None) -> float:
        return float(block["value"]) if block else math.nan

    mae = summary["mae_mm"]
    out: dict[str, Any] = {}
    for m in ("ear_length", "ear_width"):
        out[f"{m}_mae_mm<=1.5"] = {"measured": value(mae[m]), "met": value(mae[m]) <= 1.5}
        out[f"{m}_mae_ci95_upper_mm<=2.0"] = {"measured": upper(mae[m]), "met": upper(mae[m]) <= 2.0}
        one, two = value(summary["within_1_sigma"][m]), value(summary["within_2_sigma"][m])
        out[f"{m}_within_1_sigma_0.63..0.73"] = {"measured": one, "met": 0.63 <= one <= 0.73}
        out[f"{m}_within_2_sigma_0.92..0.98"] = {"measured": two, "met": 0.92 <= two <= 0.98}
    for key in ("no_ear_accuracy", "no_reference_card_accuracy"):
        out[f"{key}>=0.98"] = {"measured": value(summary[key]), "met": value(summary[key]) >= 0.98}
    out["mm_without_card==0"] = {
        "measured": summary["mm_given_without_card"]["count"],
        "met": summary["mm_given_without_card"]["count"] == 0,
    }
    negatives = summary.get("negative_set")
    if negatives:
        rate = negatives["ear_false_accept_rate"]["value"]
        out["negative_set_false_accept<=0.01"] = {"measured": rate, "met": rate <= 0.01, "photos": negatives["photos"]}
        out["negative_set_photos_with_mm==0"] = {
            "measured": negatives["photos_with_mm"],
            "met": negatives["photos_with_mm"] == 0,
        }
    return out


def evaluate_and_record(
    card_path: Path,
    *,
    photos: int = 1000,
    calibration_photos: int = 400,
    negative_views: int = 8,
    progress: bool = True,
) -> dict[str, Any]:
    """Calibrate on calibration seeds, then score the test seeds once; both go into the card."""
    calibrate(card_path, photos=calibration_photos, negative_views=max(2, negative_views // 2), progress=progress)
    spec = load_spec(card_path)
    summary = evaluate(spec, photos=photos, negative_views=negative_views, progress=progress)
    card = _card(card_path)
    card["metrics"] = summary
    card["targets"] = summary["targets"]
    _write_card(card_path, card)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", nargs="?", default=None, help="a shipped version, e.g. 2.0.0")
    parser.add_argument("--card", type=Path, default=None, help="a model card path instead of a version")
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--negative-views", type=int, default=8, help="views per negative picture (0: skip)")
    parser.add_argument("--style", choices=("photo", "flat"), default="photo")
    parser.add_argument("--record", action="store_true", help="calibrate, score and write both into the card")
    args = parser.parse_args()
    card_path = args.card or MODELS_DIR / f"earnet-{args.version or '2.0.0'}.json"
    if args.record:
        summary = evaluate_and_record(card_path, photos=args.photos, negative_views=args.negative_views)
    else:
        summary = evaluate(
            load_spec(card_path), photos=args.photos, negative_views=args.negative_views, style=args.style
        )
    print(json.dumps(summary, indent=2))


__all__ = ["evaluate", "evaluate_and_record", "summarise_renders"]

if __name__ == "__main__":
    main()
