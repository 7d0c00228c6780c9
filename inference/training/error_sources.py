"""Where a version's millimetre error comes from: a scale shared by every measurement, or the landmarks.

    python -m inference.training.error_sources 2.1.0 [--photos 300]

Calibration renders (seeds 2,000,000.., the training split's backgrounds, never the test seeds)
are analysed as the service analyses them; for each photo given millimetres the signed log error
of ear length, ear width, concha height and concha width is kept. An error of the card's scale
moves all four together, so their correlations and their mean (the common part) bound what a
better scale could win; what is left of the ear length's error after removing the common part is
the landmarks' own. Tilted cards (out of the ear's plane) are shown apart.

It also asks whether the reported uncertainty ranks the photos: the Spearman rank correlation of
each measurement's reported sigma (relative to its value) with its relative error. Coverage of
+/- 1 and 2 sigma can be met on average by a sigma that says nothing about which photo is worse.
"""

from __future__ import annotations

import argparse

import numpy as np
from tqdm import tqdm

from inference.predict import analyse_photo
from inference.registry import spec_for_version
from inference.training.calibration import CALIBRATION_SEED
from inference.training.negatives import load_negatives
from inference.training.renderer import render_photo
from inference.training.scoring import EVAL_SIZES

NAMES = ("ear_length", "ear_width", "concha_height", "concha_width")


def log_errors(version: str, photos: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(photos given mm x 4) signed log errors, whether each photo's card was tilted, and (photos x 4)
    reported sigmas relative to the measured values."""
    spec = spec_for_version(version)
    backgrounds = [image for _, image in load_negatives(split="train")]
    rows, tilted, sigmas = [], [], []
    for seed in tqdm(range(CALIBRATION_SEED, CALIBRATION_SEED + photos), desc="renders", unit="photo"):
        truth = render_photo(seed, size=EVAL_SIZES[seed % 2], style="photo", backgrounds=backgrounds)
        if truth.measurements_mm is None:
            continue
        result = analyse_photo(truth.image, spec=spec)
        if result.scale != "mm":
            continue
        measured = {m.name: m for m in result.measurements}
        rows.append([np.log(measured[n].value / truth.measurements_mm[n]) for n in NAMES])
        sigmas.append([measured[n].uncertainty / measured[n].value for n in NAMES])
        tilted.append("tilted_card" in truth.conditions)
    return np.array(rows), np.array(tilted, dtype=bool), np.array(sigmas)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation (no ties expected in continuous figures)."""
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("version")
    parser.add_argument("--photos", type=int, default=300, help="calibration renders to analyse")
    args = parser.parse_args()
    errors, tilted, sigmas = log_errors(args.version, args.photos)
    if len(errors) < 3:
        raise SystemExit(f"only {len(errors)} of {args.photos} renders were given millimetres: nothing to say")
    print(f"{len(errors)} of {args.photos} calibration renders given mm ({int(tilted.sum())} with a tilted card)")
    print("correlations of the signed log errors (" + ", ".join(NAMES) + "):")
    print(np.array2string(np.corrcoef(errors.T), precision=2))
    for label, subset in (
        ("all", ~np.zeros_like(tilted)),
        ("card in the ear's plane", ~tilted),
        ("tilted card", tilted),
    ):
        if subset.sum() == 0:
            continue
        part = errors[subset]
        common = part.mean(axis=1)
        print(
            f"{label:24s} n={int(subset.sum()):4d}  ear length mean |log error| {np.abs(part[:, 0]).mean():.4f}, "
            f"without the common part {np.abs(part[:, 0] - common).mean():.4f}"
        )
    ranks = ", ".join(f"{n} {spearman(sigmas[:, i], np.abs(errors[:, i])):+.3f}" for i, n in enumerate(NAMES))
    print(f"Spearman rank correlation of the reported relative sigma with the |log error|: {ranks}")


if __name__ == "__main__":
    main()
