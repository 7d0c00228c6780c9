"""Scoring one photo at a time, as the service analyses it: held-out or calibration renders, and
views of the negative set's real photographs at phone size. ``evaluate`` summarises these records
with confidence intervals; ``calibration`` chooses the decisions from them.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image
from tqdm import tqdm

from inference.plausibility import shape_findings
from inference.postprocess import TIP_BANDS
from inference.predict import analyse_photo
from inference.preprocess import decode_photo
from inference.registry import ModelSpec
from inference.training.renderer import render_photo
from inference.training.scene import RenderedPhoto, photo_view
from inference.types import EarAnalysis

TEST_SEED = 1_000_000
EVAL_SIZES = ((640, 480), (480, 640))
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
    card_logit: float = 0.0  # the full-frame card logit (uncalibrated)
    reasons: tuple[str, ...] = ()
    length_rel_sigma: float = math.nan  # ear length's reported uncertainty / its value
    shape_ok: bool = True  # the landmarks have an adult ear's proportions (plausibility.shape_findings)
    landmark_confidence: float = math.nan  # the ear landmarks' mean confidence (nan: no landmarks)
    tip_given: bool = False
    tip_agrees: bool = False


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def _length_rel_sigma(result: EarAnalysis) -> float:
    length = next((m for m in result.measurements if m.name == "ear_length"), None)
    return length.uncertainty / length.value if length is not None and length.value > 0 else math.nan


def _shape_ok(result: EarAnalysis) -> bool:
    if not result.keypoints:
        return True
    return not shape_findings(np.array([[k.x, k.y] for k in result.keypoints], dtype=np.float64))


def _outcome(result: EarAnalysis) -> dict[str, Any]:
    """What a render and a negative view record alike about the analysis."""
    primary = result.primary_issue
    return {
        "found_ear": "no_ear" not in result.reasons,
        "mm": result.scale == "mm" and bool(result.measurements),
        "primary": primary.code if primary else None,
        "ear_logit": _logit(result.ear_confidence),
        "card_logit": _logit(result.card_confidence),
        "reasons": tuple(result.reasons),
        "length_rel_sigma": _length_rel_sigma(result),
        "shape_ok": _shape_ok(result),
        "landmark_confidence": float(np.mean([k.confidence for k in result.keypoints]))
        if result.keypoints
        else math.nan,
    }


def score_photo(spec: ModelSpec, truth: RenderedPhoto, seed: int) -> PhotoRecord:
    result = analyse_photo(truth.image, spec=spec)
    record = PhotoRecord(
        seed=seed,
        conditions=sorted(truth.conditions),
        has_ear=truth.has_ear,
        has_card=truth.has_card,
        no_card_warned="no_reference_card" in result.reasons,
        usable=result.usable,
        **_outcome(result),
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
    card_logit: float
    reasons: tuple[str, ...] = ()
    length_rel_sigma: float = math.nan
    shape_ok: bool = True
    landmark_confidence: float = math.nan


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
    spec: ModelSpec,
    pictures: Sequence[tuple[Any, Image.Image]],
    *,
    views: int,
    progress: bool = True,
    seed: int = NEGATIVE_SEED,
) -> list[NegativeRecord]:
    """``views`` views per picture (alternately without and with a pasted card), at phone size."""
    rng = np.random.default_rng(seed)
    records = []
    jobs = [(p, im, v) for p, im in pictures for v in range(views)]
    for picture, image, v in tqdm(jobs, desc="negatives", unit="photo", disable=not progress):
        shape = (640, 480) if rng.random() < 0.5 else (480, 640)
        view = photo_view(image, rng, shape, card=v % 2 == 1)
        result = analyse_photo(phone_photo(view.image), spec=spec)
        records.append(
            NegativeRecord(picture=picture.file, category=picture.category, with_card=v % 2 == 1, **_outcome(result))
        )
    return records
