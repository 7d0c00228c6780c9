"""``analyse_photo``: the one entry point from a decoded photo to a typed ``EarAnalysis``.

Three passes of the same small network: the letterboxed full frame finds the ear and the card
and says whether each is there; then a square crop around each is analysed again at a higher
zoom for precise landmarks (the training set contains such crops, jittered the way a first pass
misplaces them). Measurement precision comes from those zoomed passes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from inference.geometry import FloatArray, order_card_corners
from inference.keypoints import EAR_KEYPOINTS
from inference.overlay import render_overlay
from inference.postprocess import (
    geometric_issues,
    issue,
    measure,
    photometric_issues,
    sigmoid,
    tip_size_from_notch,
)
from inference.registry import ModelSpec, default_spec
from inference.session import get_session
from inference.tensors import CropBox, box_around, crop_to_square, full_frame_box, normalise
from inference.types import EarAnalysis, Keypoint, Measurement, TipSizeEstimate


@dataclass(frozen=True)
class Refinement:
    """How one target (the ear, the card) is looked at again after the full-frame pass.

    ``passes`` zoomed passes, each centred on the previous one's landmarks with ``margin`` around
    them. The last pass looks through one crop per ``last_scales`` entry (zoomed out and in) and
    averages them; with ``mirror`` every crop is also averaged with its mirror image. Both are
    test-time augmentation against the crop the previous pass happened to pick.
    """

    margin: float
    passes: int = 2
    last_scales: tuple[float, ...] = (1.0,)
    mirror: bool = True


# Chosen on calibration renders (seeds 2,000,000..2,000,299), never on the held-out test seeds.
# Mirrored multi-scale crops in the last pass matter: one mirrored crop for the card instead of
# three scales took the ear-length MAE from 1.78 to 2.08 mm (EarNet 1.1.0). What did not matter
# and was dropped for speed (13 network crops a photo instead of 17): the card's second pass
# (ear length 1.785 mm with one pass, 1.778 with two) and the ear's middle scale (1.78 mm).
EAR_REFINEMENT = Refinement(margin=1.55, passes=2, last_scales=(0.9, 1.1))
CARD_REFINEMENT = Refinement(margin=1.42, passes=1, last_scales=(0.9, 1.0, 1.1))

PRESENCE_THRESHOLD = 0.5
# Typical heatmap spread (input units) of a well-seen landmark; broader heatmaps widen the
# uncertainty. Overridden by the card's calibration when present.
DEFAULT_SPREAD_REFERENCE = 0.02

NUM_EAR = len(EAR_KEYPOINTS)


@dataclass(frozen=True)
class _Pass:
    keypoints: FloatArray  # (K, 2) image px
    spread: FloatArray  # (K,) in units of the crop side
    presence: tuple[float, float]  # probabilities: ear, card


def _flip_order(spec: ModelSpec) -> list[int]:
    """Keypoint order after a left-right mirror: ear labels are anatomical and stay, while the
    card's left and right corners swap."""
    ear = list(range(len(spec.ear_keypoints)))
    n = len(ear)
    return [*ear, n + 1, n, n + 3, n + 2]


def _run_many(
    spec: ModelSpec, image: Image.Image, boxes: list[CropBox], threads: int | None, *, mirror: bool = False
) -> list[_Pass]:
    """One pass over each box, all in one batch (one session call); with ``mirror`` each crop is
    averaged with its mirror image."""
    session = get_session(spec, threads=threads)
    crops = [np.asarray(crop_to_square(image, box), dtype=np.uint8) for box in boxes]
    views = [view for pixels in crops for view in ((pixels, pixels[:, ::-1]) if mirror else (pixels,))]
    tensor = normalise(np.stack(views), spec.mean, spec.std)
    keypoints, spread, logits = session.run(list(spec.output_names), {spec.input_name: tensor})
    per_box = 2 if mirror else 1
    order = _flip_order(spec)
    passes = []
    for index, box in enumerate(boxes):
        first = index * per_box
        unit = np.asarray(keypoints[first], dtype=np.float64)
        spreads = np.asarray(spread[first], dtype=np.float64)
        if mirror:
            back = np.asarray(keypoints[first + 1], dtype=np.float64)[order]
            back[:, 0] = 1.0 - back[:, 0]
            unit = (unit + back) / 2
            spreads = (spreads + np.asarray(spread[first + 1], dtype=np.float64)[order]) / 2
        mean_logits = np.asarray(logits[first : first + per_box], dtype=np.float64).mean(axis=0)
        presence = (sigmoid(float(mean_logits[0])), sigmoid(float(mean_logits[1])))
        passes.append(_Pass(box.to_image(unit), spreads, presence))
    return passes


def _run(spec: ModelSpec, image: Image.Image, box: CropBox, threads: int | None, *, mirror: bool = False) -> _Pass:
    """One pass over ``box``; with ``mirror`` the crop and its mirror image are averaged."""
    return _run_many(spec, image, [box], threads, mirror=mirror)[0]


def _refine(
    spec: ModelSpec, image: Image.Image, points: FloatArray, sl: slice, plan: Refinement, threads: int | None
) -> tuple[FloatArray, FloatArray]:
    spread = np.full(points.shape[0], DEFAULT_SPREAD_REFERENCE)
    for i in range(plan.passes):
        scales = plan.last_scales if i == plan.passes - 1 else (1.0,)
        boxes = [box_around(points, margin=plan.margin * s, size=spec.input_size) for s in scales]
        results = _run_many(spec, image, boxes, threads, mirror=plan.mirror)
        points = np.mean([r.keypoints[sl] for r in results], axis=0)
        spread = np.mean([r.spread[sl] for r in results], axis=0)
    return points, spread


def analyse_photo(image: Image.Image, *, spec: ModelSpec | None = None, threads: int | None = None) -> EarAnalysis:
    """Find the ear and the card, measure the ear, check the photo's quality, estimate a tip size.

    ``image`` is the upright RGB image from ``preprocess.decode_photo`` (any size; ~1000 px long
    side is plenty). Keypoints in the result are pixels of that image.
    """
    spec = spec or default_spec()
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    first = _run(spec, rgb, full_frame_box(rgb.size[0], rgb.size[1], spec.input_size), threads)
    ear_conf, card_conf = first.presence
    has_ear = ear_conf >= PRESENCE_THRESHOLD
    has_card = card_conf >= PRESENCE_THRESHOLD

    card_px: FloatArray | None = None
    corners: tuple[Keypoint, ...] = ()
    if has_card:
        pts, spread = _refine(spec, rgb, first.keypoints[NUM_EAR:], slice(NUM_EAR, None), CARD_REFINEMENT, threads)
        card_px = order_card_corners(pts)
        corners = tuple(
            Keypoint(name, round(float(x), 2), round(float(y), 2), _point_confidence(s))
            for name, (x, y), s in zip(spec.card_keypoints, card_px, spread, strict=True)
        )

    if not has_ear:
        quality = [issue("no_ear"), *photometric_issues(rgb, None)]
        if not has_card:
            quality.append(issue("no_reference_card"))
        return EarAnalysis(
            model=spec.label,
            image_size=rgb.size,
            ear_confidence=round(ear_conf, 4),
            card_confidence=round(card_conf, 4),
            keypoints=(),
            card_corners=corners,
            scale="mm" if has_card else "relative",
            mm_per_px=None,
            measurements=(),
            quality=tuple(quality),
            tip_size=TipSizeEstimate(None, 0.0, True, "no ear was found"),
            confidence=0.0,
        )

    ear_px, ear_spread = _refine(spec, rgb, first.keypoints[:NUM_EAR], slice(0, NUM_EAR), EAR_REFINEMENT, threads)
    keypoints = tuple(
        Keypoint(name, round(float(x), 2), round(float(y), 2), _point_confidence(s))
        for name, (x, y), s in zip(spec.ear_keypoints, ear_px, ear_spread, strict=True)
    )
    measurements, mm_per_px = measure(ear_px, ear_spread, card_px, spec, _spread_reference(spec))
    quality = photometric_issues(rgb, ear_px) + geometric_issues(rgb.size, ear_px, card_px)
    if not has_card:
        quality.insert(0, issue("no_reference_card"))
    usable = not any(q.blocking for q in quality)
    confidence = ear_conf * (card_conf if has_card else 0.5) * (1.0 if usable else 0.3)
    return EarAnalysis(
        model=spec.label,
        image_size=rgb.size,
        ear_confidence=round(ear_conf, 4),
        card_confidence=round(card_conf, 4),
        keypoints=keypoints,
        card_corners=corners,
        scale="mm" if has_card else "relative",
        mm_per_px=round(mm_per_px, 5) if mm_per_px else None,
        measurements=measurements,
        quality=tuple(quality),
        tip_size=_tip_size(measurements, has_card, usable),
        confidence=round(confidence, 4),
    )


def _tip_size(measurements: tuple[Measurement, ...], has_card: bool, usable: bool) -> TipSizeEstimate:
    if not usable:
        return TipSizeEstimate(None, 0.0, True, "the photo did not pass the quality checks")
    if not has_card:
        return TipSizeEstimate(None, 0.0, True, "no card in the photo, so no size in mm")
    notch = next(m for m in measurements if m.name == "intertragal_notch_width")
    return tip_size_from_notch(notch.value, notch.uncertainty)


def _point_confidence(spread: float) -> float:
    """1 for a sharp heatmap, falling towards 0 as it spreads over a tenth of the crop."""
    return round(float(np.clip(1.0 - (spread - DEFAULT_SPREAD_REFERENCE) / 0.08, 0.0, 1.0)), 3)


def _spread_reference(spec: ModelSpec) -> float:
    return spec.spread_reference or DEFAULT_SPREAD_REFERENCE


__all__ = ["analyse_photo", "render_overlay"]
