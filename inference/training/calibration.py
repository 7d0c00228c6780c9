"""Decisions, not weights: the thresholds and the uncertainty scale of a model version, chosen on
calibration data only and written into its card.

    python -m inference.training.calibration 2.0.0 [--photos 1000] [--negative-views 16] [--signals FILE]

**Calibration data.** Renders from seeds 2,000,000.. (training used 0..N-1, the held-out test
1,000,000..) on the training split's backgrounds, and views of the negative set's training split
plus the *calibration half* of its evaluation split (``negatives.eval_half``); the report half and
the test seeds are never looked at here.

**Signals, once.** Every calibration photo is analysed once with the decisions opened up: the ear
and the card are always refined and the card always checked by its geometry, presence is read raw.
Each photo then gives its raw ear logit (the smaller of full frame and zoomed crop), its raw card
logit, whether it would carry millimetres if both were accepted, and its errors and raw
uncertainties. A decision with thresholds ``t_ear`` and ``t_card`` is then exact arithmetic on these
signals: ear found iff ear logit >= t_ear, card seen iff card logit >= t_card, millimetres iff both
and the photo passed geometry and plausibility.

**Decisions.**

- Ear presence: Platt scaling of the raw ear logit (renders and negatives), and two thresholds on
  the calibrated probability: ``threshold`` for landmarks with an ear's proportions
  (``plausibility.shape_findings`` finds nothing) and ``threshold_unshaped`` (at least as high) for
  landmarks without them, since look-alikes rarely have an ear's proportions; and (2.1 on) a gate
  ``min_landmark_confidence`` on the landmarks' mean confidence, since a look-alike's landmarks are
  diffuse where an ear's are sharp. The three are the ones with the best ``no_ear`` accuracy on
  calibration renders whose false accepts on the calibration negatives stay within
  ``FALSE_ACCEPT_BUDGET``, with no calibration negative given millimetres; among equally accurate
  ones, the strictest gate. A budget below the 1 % target leaves room for the sampling error of a
  few hundred views.
- Card presence: the threshold on the card probability with the best accuracy of the
  ``no_reference_card`` warning on calibration renders (2.1 on: the probability of the mean of
  the full-frame and the zoomed card crop's logits, ``PostProcessing.card_presence``).
- Uncertainty: per measurement, the factor ``z_scale`` on the raw per-photo uncertainty (a
  temperature) that best meets both coverage targets on the calibration renders given
  millimetres, each in units of its tolerance: 68.27 % +/- 5 % within 1 sigma, 95.45 % +/- 3 %
  within 2 sigma.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from inference.keypoints import MEASUREMENTS
from inference.postprocess import sigmoid
from inference.registry import MODELS_DIR, ModelSpec, load_spec
from inference.training.scoring import (
    RAW_SCALE,
    NegativeRecord,
    PhotoRecord,
    score_negatives,
    score_renders,
)

CALIBRATION_SEED = 2_000_000
CALIBRATION_NEGATIVE_SEED = 5_000_000
FALSE_ACCEPT_BUDGET = 0.005
ONE_SIGMA = 0.6827
SIGNALS_DIR = Path("artifacts")
TWO_SIGMA = 0.9545


@dataclasses.dataclass(frozen=True)
class Signals:
    """One calibration photo, analysed with the decisions opened up."""

    kind: str  # render | negative_seen (training split) | negative_unseen (calibration half)
    has_ear: bool
    has_card: bool
    ear_logit: float
    card_logit: float
    mm_open: bool  # millimetres if the ear and the card are accepted
    errors: dict[str, float]
    z_raw: dict[str, float]  # |error| / raw uncertainty
    reasons: tuple[str, ...] = ()
    length_rel_sigma: float = math.nan
    shape_ok: bool = True
    landmark_confidence: float = math.nan


def open_spec(spec: ModelSpec) -> ModelSpec:
    """The spec with every decision opened: raw presence, always refine, raw uncertainty, no ceiling."""
    pp = dataclasses.replace(
        spec.postprocessing,
        presence_scale=RAW_SCALE,
        presence_bias=0.0,
        ear_threshold=0.0,
        ear_threshold_unshaped=0.0,
        min_landmark_confidence=0.0,
        card_threshold=0.0,
        z_scale=(),
        max_length_rel_sigma=math.inf,
    )
    return dataclasses.replace(spec, postprocessing=pp)


def _from_render(r: PhotoRecord) -> Signals:
    return Signals(
        "render",
        r.has_ear,
        r.has_card,
        r.ear_logit / RAW_SCALE,
        r.card_logit,
        r.mm,
        r.errors,
        r.z,
        r.reasons,
        r.length_rel_sigma,
        r.shape_ok,
        r.landmark_confidence,
    )


def _from_negative(r: NegativeRecord, kind: str) -> Signals:
    return Signals(
        kind,
        False,
        r.with_card,
        r.ear_logit / RAW_SCALE,
        r.card_logit,
        r.mm,
        {},
        {},
        r.reasons,
        r.length_rel_sigma,
        r.shape_ok,
        r.landmark_confidence,
    )


def collect(spec: ModelSpec, *, photos: int, negative_views: int, progress: bool = True) -> list[Signals]:
    from inference.training.negatives import load_negatives

    raw = open_spec(spec)
    seen = load_negatives(split="train")
    unseen = load_negatives(split="eval", half="calibration")
    backgrounds = [im for _, im in seen]
    renders = score_renders(raw, photos=photos, first_seed=CALIBRATION_SEED, backgrounds=backgrounds, progress=progress)
    out = [_from_render(r) for r in renders]
    for kind, pictures, seed in (
        ("negative_seen", seen, CALIBRATION_NEGATIVE_SEED),
        ("negative_unseen", unseen, CALIBRATION_NEGATIVE_SEED + 1),
    ):
        records = score_negatives(raw, pictures, views=negative_views, progress=progress, seed=seed)
        out += [_from_negative(r, kind) for r in records]
    return out


def _platt(logits: np.ndarray, labels: np.ndarray, *, ridge: float = 1.0) -> tuple[float, float]:
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


def _ear_thresholds(
    prob: np.ndarray,
    shaped: np.ndarray,
    sharpness: np.ndarray,
    has_ear: np.ndarray,
    render: np.ndarray,
    mm_if_ear: np.ndarray,
    budget: float,
) -> tuple[float, float, float]:
    """(threshold, threshold_unshaped, min_landmark_confidence) with the best no_ear accuracy on
    calibration renders whose false accepts on the calibration negatives stay within ``budget``,
    none of them with mm.

    Candidates: 0.5 and the quantiles of the calibrated probabilities above it; ``unshaped`` is at
    least ``threshold`` (equal: the shape does not matter; 1.0: ear-shaped landmarks required); the
    landmark gate 0 or a low quantile (up to the 5th percentile) of the calibration ears' landmark
    confidence. Among equally accurate decisions the strictest gate wins: it costs nothing on the
    calibration renders and refuses more of what calibration never showed.
    """
    negative = ~render
    grid = np.unique(np.concatenate([[0.5], np.quantile(prob[prob > 0.5], np.linspace(0, 1, 60)), [1.0]]))
    ears = sharpness[render & has_ear]
    gates = np.unique(np.concatenate([[0.0], np.quantile(ears, np.linspace(0, 0.05, 11)) if ears.size else []]))
    best: tuple[float, float, float, float] | None = None
    for g in gates:
        sharp = sharpness >= g
        for t in grid:
            for u in grid[grid >= t]:
                found = (prob >= t) & (shaped | (prob >= u)) & sharp
                if float(found[negative].mean()) > budget or bool((found & mm_if_ear & negative).any()):
                    continue
                accuracy = float((found[render] == has_ear[render]).mean())
                if best is None or (accuracy, g) > (best[0], best[3]):
                    best = (accuracy, float(t), float(u), float(g))
    return (best[1], best[2], best[3]) if best else (1.0, 1.0, 0.0)


def _z_scale(z: np.ndarray) -> float:
    """The factor on the raw uncertainty that best meets both coverage targets, each in units of its
    tolerance: |error| <= 1 sigma for 68.27 % (+/- 5 %) and <= 2 sigma for 95.45 % (+/- 3 %).

    Errors have heavier tails than a normal law, so the factor that gives exactly 68.27 % at 1 sigma
    can leave 2 sigma short; this one trades the two against their tolerances."""
    candidates = np.quantile(z, np.linspace(0.55, 0.85, 121)) if z.size else np.array([1.0])

    def miss(k: float) -> float:
        one, two = float(np.mean(z <= k)), float(np.mean(z <= 2 * k))
        return max(abs(one - ONE_SIGMA) / 0.05, abs(two - TWO_SIGMA) / 0.03)

    return round(float(min(candidates, key=miss)), 4)


def _rate(mask: np.ndarray) -> float:
    return round(float(mask.mean()), 4) if mask.size else math.nan


def choose(signals: list[Signals], *, budget: float = FALSE_ACCEPT_BUDGET) -> dict[str, Any]:
    """The decisions and what they give on the calibration data."""
    kind = np.array([s.kind for s in signals])
    ear = np.array([s.ear_logit for s in signals])
    card = np.array([s.card_logit for s in signals])
    has_ear = np.array([s.has_ear for s in signals])
    has_card = np.array([s.has_card for s in signals])
    mm_open = np.array([s.mm_open for s in signals])
    render, negative = kind == "render", kind != "render"

    # Card: the threshold on the (uncalibrated) card probability with the best warning accuracy.
    card_candidates = sorted({0.0, *card[render].tolist()})
    t_card = max(card_candidates, key=lambda t: (float(((card[render] >= t) == has_card[render]).mean()), -abs(t)))

    scale, bias = _platt(ear, has_ear.astype(np.float64))
    prob = 1 / (1 + np.exp(-np.clip(scale * ear + bias, -60, 60)))
    shaped = np.array([s.shape_ok for s in signals])
    sharpness = np.nan_to_num(np.array([s.landmark_confidence for s in signals]), nan=0.0)
    mm_if_ear = mm_open & (card >= t_card)
    threshold, unshaped, gate = _ear_thresholds(prob, shaped, sharpness, has_ear, render, mm_if_ear, budget)
    found = (prob >= threshold) & (shaped | (prob >= unshaped)) & (sharpness >= gate)
    mm = found & mm_if_ear
    measured = [s for s, given in zip(signals, mm, strict=True) if given and s.kind == "render" and s.errors]
    z_scale = {m: _z_scale(np.array([s.z_raw[m] for s in measured])) for m in MEASUREMENTS}
    # The largest relative ear-length uncertainty the calibration renders given millimetres show,
    # rounded up: beyond it the uncertainty is uncalibrated, and the runtime refuses millimetres.
    relative = [s.length_rel_sigma * z_scale["ear_length"] for s in measured if math.isfinite(s.length_rel_sigma)]
    max_length_rel_sigma = math.ceil(max(relative) * 1e4) / 1e4 if relative else None  # None: no ceiling
    within = {
        f"within_{k}_sigma": {
            m: round(float(np.mean([s.z_raw[m] / z_scale[m] <= k for s in measured])), 3) for m in MEASUREMENTS
        }
        for k in (1, 2)
    }
    by_kind = {
        k: {
            "photos": int((kind == k).sum()),
            "ear_false_accepts": int((found & (kind == k)).sum()),
            "photos_with_mm": int((mm & (kind == k)).sum()),
        }
        for k in ("negative_seen", "negative_unseen")
    }
    return {
        "presence": {
            "scale": round(scale, 5),
            "bias": round(bias, 5),
            "threshold": round(float(threshold), 6),
            "threshold_unshaped": round(float(unshaped), 6),
            "min_landmark_confidence": math.floor(gate * 1e4) / 1e4,  # rounded down: no chosen ear lost
            "card_threshold": round(float(sigmoid(t_card)), 6),
        },
        "on_calibration": {
            "renders": int(render.sum()),
            "no_ear_accuracy": _rate(found[render] == has_ear[render]),
            "ear_recall": _rate(found[render & has_ear]),
            "no_reference_card_accuracy": _rate((card[render] >= t_card) == has_card[render]),
            "mm_given_on_photos_with_ear_and_card": _rate(mm[render & has_ear & has_card]),
            "negatives": by_kind,
            "negative_false_accept_rate": _rate(found[negative]),
            "measured_photos": len(measured),
            **within,
        },
        "z_scale": z_scale,
        "max_length_rel_sigma": max_length_rel_sigma,
        "false_accept_budget": budget,
    }


METHOD = (
    "Chosen on calibration data only (renders from the calibration seeds; views of the negative set's "
    "training split and of the calibration half of its evaluation split), never on the test seeds or the "
    "report half. Each calibration photo is analysed once with the decisions opened (always refined, raw "
    "presence); a decision is then arithmetic on those signals. Ear presence: Platt scaling of "
    "min(full-frame, zoomed-crop) ear logit; two thresholds on that probability, threshold for landmarks with "
    "an ear's proportions and threshold_unshaped for landmarks without them, and min_landmark_confidence, a "
    "floor on the landmarks' mean confidence (heatmap sharpness): the three with the best no_ear "
    "accuracy on calibration renders whose false accepts on the calibration negatives stay within "
    "false_accept_budget, no calibration negative given millimetres, the strictest floor among equals. Card "
    "presence: the card-probability threshold (where the card says so, on the mean of the full-frame and the "
    "zoomed card crop's logits) with the best no_reference_card accuracy on calibration renders. Uncertainty: per photo, the landmarks' heatmap spread, the spread of "
    "the mirrored and rescaled views and the card's scale error, combined; times z_scale, the factor that "
    "best meets 68.27 % within 1 sigma and 95.45 % within 2 sigma (each in units of its tolerance, 5 and 3 "
    "points) on the calibration renders given millimetres. Uncertainty ceiling (max_length_rel_sigma): the "
    "largest ear-length uncertainty, as a share of the length, of those renders; millimetres beyond it are "
    "refused (implausible_measurement), since no calibration photo vouches for a sigma that large."
)


def write_decisions(card_path: Path, decisions: dict[str, Any], *, photos: int, negative_views: int) -> None:
    """The decisions into the card: the calibration block, and the card threshold the runtime reads."""
    card = json.loads(card_path.read_text())
    calibration = {
        "seeds": f"{CALIBRATION_SEED}..{CALIBRATION_SEED + photos - 1}",
        "photos": photos,
        "negatives": f"{negative_views} views of each picture of the negative set's training split and of "
        "the calibration half of its evaluation split",
        **decisions,
        "method": METHOD,
    }
    kept = {k: v for k, v in card.get("calibration", {}).items() if k in ("sigma_mm", "spread_reference")}
    card["calibration"] = {**kept, **calibration}
    presence = card.setdefault("postprocessing", {}).setdefault("presence", {})
    presence["card_threshold"] = decisions["presence"]["card_threshold"]
    card_path.write_text(json.dumps(card, indent=2) + "\n")


def signals_cache(spec: ModelSpec, photos: int, negative_views: int) -> Path:
    """Where the signals of one model file, one calibration size, one negative catalogue and one set
    of rules before the decisions (presence rules, refinement plans: the opened post-processing) are
    kept (ignored ``artifacts/``); delete it after changing the runtime's code before its
    decisions, to collect them again."""
    from inference.training.negatives import CATALOGUE

    catalogue = hashlib.sha256(repr(CATALOGUE).encode()).hexdigest()[:8]
    rules = hashlib.sha256(repr(open_spec(spec).postprocessing).encode()).hexdigest()[:8]
    name = f"calibration-signals-{spec.label}-{spec.sha256[:12]}-{photos}x{negative_views}-{catalogue}-{rules}.json"
    return SIGNALS_DIR / name


def calibrate(
    card_path: Path,
    *,
    photos: int,
    negative_views: int,
    progress: bool = True,
    signals_file: Path | None = None,
) -> dict[str, Any]:
    """Collect the signals (or read them from ``signals_file``), choose, write into the card."""
    if signals_file is not None and signals_file.exists():
        signals = [Signals(**{**row, "reasons": tuple(row["reasons"])}) for row in json.loads(signals_file.read_text())]
    else:
        signals = collect(load_spec(card_path), photos=photos, negative_views=negative_views, progress=progress)
        if signals_file is not None:
            signals_file.parent.mkdir(parents=True, exist_ok=True)
            signals_file.write_text(json.dumps([dataclasses.asdict(s) for s in signals]))
    decisions = choose(signals)
    write_decisions(card_path, decisions, photos=photos, negative_views=negative_views)
    return decisions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version", help="a shipped version, e.g. 2.0.0")
    parser.add_argument("--photos", type=int, default=1000)
    parser.add_argument("--negative-views", type=int, default=16)
    parser.add_argument(
        "--signals", type=Path, default=None, help="cache of the calibration signals (default: per model file and size)"
    )
    args = parser.parse_args()
    card_path = MODELS_DIR / f"earnet-{args.version}.json"
    decisions = calibrate(card_path, photos=args.photos, negative_views=args.negative_views, signals_file=args.signals)
    print(json.dumps(decisions, indent=2))


if __name__ == "__main__":
    main()
