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
- **Negative set halves**: the evaluation split's pictures are halved (``negatives.eval_half``); the
  calibration half helps choose the thresholds, only the report half is scored here.
- ``--record`` first chooses the decisions on calibration data (``calibration``: ear presence by
  Platt scaling and its threshold, the card threshold, the uncertainty factor per measurement),
  then scores the test seeds once and writes both into the model card: the card's metrics are this
  command's output, never typed by hand.

Needs no torch: it runs the ONNX model through ``analyse_photo``, the path the service runs.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from inference.keypoints import MEASUREMENTS
from inference.registry import MODELS_DIR, ModelSpec, load_spec
from inference.training.scene import CONDITIONS
from inference.training.scoring import (
    EVALUATION_STORED_LONG_SIDE,
    PHONE_SIZE,
    TEST_SEED,
    NegativeRecord,
    PhotoRecord,
    phone_photo,
    score_negatives,
    score_renders,
)

BOOTSTRAP = 2000


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
        "false_accepts_by_picture": {
            p: {"views": len(by_picture[p]), "ear_claimed": sum(by_picture[p])} for p in pictures if any(by_picture[p])
        },
    }


def evaluate(
    spec: ModelSpec,
    *,
    photos: int = 400,
    first_seed: int = TEST_SEED,
    progress: bool = True,
    negative_views: int = 0,
    style: str = "photo",
) -> dict[str, Any]:
    """Score held-out renders (and, with ``negative_views``, the report half of the negative set's
    evaluation split: the calibration half chose the thresholds, so it is not scored here)."""
    backgrounds: list[Image.Image] = []
    report_half: list[tuple[Any, Image.Image]] = []
    if style == "photo":
        from inference.training.negatives import eval_half, load_negatives

        eval_split = load_negatives(split="eval")
        backgrounds = [im for _, im in eval_split]
        report_half = [(p, im) for p, im in eval_split if eval_half(p.member) == "report"]
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
    if negative_views and report_half:
        summary["negative_set"] = {
            "half": "report (never used to choose a threshold)",
            **summarise_negatives(score_negatives(spec, report_half, views=negative_views, progress=progress)),
        }
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
    calibration_photos: int = 1000,
    negative_views: int = 16,
    progress: bool = True,
) -> dict[str, Any]:
    """Calibrate on calibration seeds, then score the test seeds once; both go into the card."""
    from inference.training.calibration import calibrate, signals_cache
    from inference.training.negatives import card_listing

    signals = signals_cache(load_spec(card_path), calibration_photos, negative_views)
    calibrate(
        card_path,
        photos=calibration_photos,
        negative_views=negative_views,
        progress=progress,
        signals_file=signals,
    )
    spec = load_spec(card_path)
    summary = evaluate(spec, photos=photos, negative_views=negative_views, progress=progress)
    card = json.loads(card_path.read_text())
    card["negative_set"] = card_listing()  # every picture these figures used, with its licence
    card["metrics"] = summary
    card["metrics_command"] = (
        f"manage.py evaluate_model {card['version']} --record --photos {photos} --negative-views {negative_views}"
    )
    card["targets"] = summary["targets"]
    card_path.write_text(json.dumps(card, indent=2) + "\n")
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


__all__ = [
    "EVALUATION_STORED_LONG_SIDE",
    "evaluate",
    "evaluate_and_record",
    "phone_photo",
    "summarise_renders",
]

if __name__ == "__main__":
    main()
