"""``analyse_photo``: the one entry point from a decoded photo to a typed ``EarAnalysis``.

Three passes of the same small network: the letterboxed full frame finds the ear and the card
and says whether each is there; then a square crop around each is analysed again at a higher
zoom for precise landmarks (the training set contains such crops, jittered the way a first pass
misplaces them). Measurement precision comes from those zoomed passes.

What the network says is then checked before anything is reported:

- **The card** must pass the geometric check of ``card_geometry.verify_card`` (straight edges,
  right corners after perspective, ID-1 aspect, rounded corners, contrast); only then are there
  millimetres, and the scale comes from the fitted corners, with its own uncertainty. A card the
  network saw but the pixels do not confirm is a warning (``card_not_verified``), never mm.
- **The ear** must be seen by the full frame and, for 2.x models, by the zoomed crop as well, with
  a calibrated probability over the model card's threshold; landmarks without an ear's
  proportions need the card's higher ``threshold_unshaped`` too, else there is no ear.
- **Plausibility** (``plausibility``): adult proportions, the concha inside the ear, the card
  beside the ear at the same scale, adult sizes in mm. A photo that fails is rejected with one
  primary reason and carries no measurements.

Which refinement, presence rule and uncertainty a model needs is in its card
(``registry.PostProcessing``), so 1.1.0 and 2.0.0 run side by side in one process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from inference.card_geometry import CardCheck, verify_card
from inference.geometry import FloatArray, apply_homography, image_to_card_plane, local_scale, order_card_corners
from inference.keypoints import EAR_KEYPOINTS, MEASUREMENT_PAIRS, ear_index
from inference.overlay import render_overlay
from inference.plausibility import Finding, card_ear_findings, mm_findings, shape_findings, uncertainty_findings
from inference.postprocess import (
    by_priority,
    geometric_issues,
    issue,
    measure,
    photometric_issues,
    sigmoid,
    tip_size_from_notch,
)
from inference.registry import ModelSpec, PostProcessing, Refinement, default_spec, spec_for_version
from inference.session import get_session
from inference.tensors import CropBox, box_around, crop_to_square, full_frame_box, normalise
from inference.types import EarAnalysis, Keypoint, Measurement, QualityIssue, TipSizeEstimate

# The 1.1.0 plans, kept under their old names (the card's "postprocessing" block is the source now).
EAR_REFINEMENT = PostProcessing().ear_refinement
CARD_REFINEMENT = PostProcessing().card_refinement

PRESENCE_THRESHOLD = 0.5
# Typical heatmap spread (input units) of a well-seen landmark; broader heatmaps widen the
# uncertainty. Overridden by the card's calibration when present.
DEFAULT_SPREAD_REFERENCE = 0.02

NUM_EAR = len(EAR_KEYPOINTS)


@dataclass(frozen=True)
class _Pass:
    keypoints: FloatArray  # (K, 2) image px, averaged over the views
    spread: FloatArray  # (K,) in units of the crop side
    logits: tuple[float, float]  # presence logits (ear, card), averaged over the views
    view_std: FloatArray  # (K,) px: how far the views (mirror, scales) disagree
    side: float  # crop side in image px

    @property
    def presence(self) -> tuple[float, float]:
        return sigmoid(self.logits[0]), sigmoid(self.logits[1])


def _flip_order(spec: ModelSpec) -> list[int]:
    """Keypoint order after a left-right mirror: ear labels are anatomical and stay, while the
    card's left and right corners swap."""
    ear = list(range(len(spec.ear_keypoints)))
    n = len(ear)
    return [*ear, n + 1, n, n + 3, n + 2]


def _run_views(
    spec: ModelSpec, image: Image.Image, boxes: list[CropBox], threads: int | None, *, mirror: bool = False
) -> list[list[tuple[FloatArray, FloatArray, FloatArray]]]:
    """Every view of every box in one session call: per box, a list of (keypoints px, spread, logits)."""
    session = get_session(spec, threads=threads)
    crops = [np.asarray(crop_to_square(image, box), dtype=np.uint8) for box in boxes]
    views = [view for pixels in crops for view in ((pixels, pixels[:, ::-1]) if mirror else (pixels,))]
    tensor = normalise(np.stack(views), spec.mean, spec.std)
    keypoints, spread, logits = session.run(list(spec.output_names), {spec.input_name: tensor})
    per_box = 2 if mirror else 1
    order = _flip_order(spec)
    out = []
    for index, box in enumerate(boxes):
        first = index * per_box
        unit = np.asarray(keypoints[first], dtype=np.float64)
        box_views = [
            (
                box.to_image(unit),
                np.asarray(spread[first], dtype=np.float64),
                np.asarray(logits[first], dtype=np.float64),
            )
        ]
        if mirror:
            back = np.asarray(keypoints[first + 1], dtype=np.float64)[order]
            back[:, 0] = 1.0 - back[:, 0]
            box_views.append(
                (
                    box.to_image(back),
                    np.asarray(spread[first + 1], dtype=np.float64)[order],
                    np.asarray(logits[first + 1], dtype=np.float64),
                )
            )
        out.append(box_views)
    return out


def _combine(views: list[tuple[FloatArray, FloatArray, FloatArray]], side: float) -> _Pass:
    pts = np.stack([v[0] for v in views])
    logits = np.mean([v[2] for v in views], axis=0)
    std = np.sqrt((pts.std(axis=0) ** 2).sum(axis=1)) if len(views) > 1 else np.zeros(pts.shape[1])
    return _Pass(
        pts.mean(axis=0), np.mean([v[1] for v in views], axis=0), (float(logits[0]), float(logits[1])), std, side
    )


def _run_many(
    spec: ModelSpec, image: Image.Image, boxes: list[CropBox], threads: int | None, *, mirror: bool = False
) -> list[_Pass]:
    """One pass over each box, all in one batch; with ``mirror`` each crop is averaged with its mirror."""
    return [
        _combine(views, box.side)
        for views, box in zip(_run_views(spec, image, boxes, threads, mirror=mirror), boxes, strict=True)
    ]


def _run(spec: ModelSpec, image: Image.Image, box: CropBox, threads: int | None, *, mirror: bool = False) -> _Pass:
    """One pass over ``box``; with ``mirror`` the crop and its mirror image are averaged."""
    return _run_many(spec, image, [box], threads, mirror=mirror)[0]


@dataclass(frozen=True)
class _Refined:
    points: FloatArray
    spread: FloatArray  # crop-side units
    sigma_px: FloatArray  # per-landmark 1-sigma estimate in px (heatmap spread and view disagreement)
    first_logits: tuple[float, float]  # what the first zoomed crop said about presence


def _refine(
    spec: ModelSpec, image: Image.Image, points: FloatArray, sl: slice, plan: Refinement, threads: int | None
) -> _Refined:
    spread = np.full(points.shape[0], DEFAULT_SPREAD_REFERENCE)
    sigma = np.zeros(points.shape[0])
    first_logits = (0.0, 0.0)
    for i in range(plan.passes):
        scales = plan.last_scales if i == plan.passes - 1 else (1.0,)
        boxes = [box_around(points, margin=plan.margin * s, size=spec.input_size) for s in scales]
        per_box = _run_views(spec, image, boxes, threads, mirror=plan.mirror)
        views = [view for box_views in per_box for view in box_views]
        combined = _combine([(v[0][sl], v[1][sl], v[2]) for v in views], float(np.mean([b.side for b in boxes])))
        if i == 0:
            first_logits = combined.logits
        points, spread = combined.keypoints, combined.spread
        sigma = np.sqrt((spread * combined.side) ** 2 + combined.view_std**2)
    return _Refined(points, spread, sigma, first_logits)


def analyse_photo(
    image: Image.Image,
    *,
    spec: ModelSpec | None = None,
    threads: int | None = None,
    version: str | None = None,
    stored_size: tuple[int, int] | None = None,
) -> EarAnalysis:
    """Find the ear and the card, measure the ear, check the photo's quality, estimate a tip size.

    ``image`` is the upright RGB image from ``preprocess.decode_photo`` (any size; ~500 px long
    side is what the service keeps). ``version`` picks a shipped model by version (``spec`` wins
    if both are given). Keypoints and card corners come back in pixels of the stored photo: of
    ``image`` itself, or of an image of ``stored_size`` if the caller stores another size.
    """
    spec = spec or (spec_for_version(version) if version else default_spec())
    pp = spec.postprocessing
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    first = _run(spec, rgb, full_frame_box(rgb.size[0], rgb.size[1], spec.input_size), threads)
    ear_logit, card_logit = first.logits
    card_conf = sigmoid(card_logit)

    def refine_card() -> _Refined:
        return _refine(spec, rgb, first.keypoints[NUM_EAR:], slice(NUM_EAR, None), pp.card_refinement, threads)

    refined_card: _Refined | None = None
    if pp.card_presence == "full_frame_and_crop":
        # The zoomed card crop has its say too: the mean of the two logits decides.
        refined_card = refine_card()
        card_conf = sigmoid((card_logit + refined_card.first_logits[1]) / 2)
    has_card = card_conf >= pp.card_threshold

    card_net: FloatArray | None = None
    card_spread: FloatArray | None = None
    if has_card:
        refined_card = refined_card or refine_card()
        card_net, card_spread = order_card_corners(refined_card.points), refined_card.spread

    ear_conf = _ear_probability(ear_logit, pp)
    ear: _Refined | None = None
    if ear_conf >= pp.ear_threshold:
        ear = _refine(spec, rgb, first.keypoints[:NUM_EAR], slice(0, NUM_EAR), pp.ear_refinement, threads)
        if pp.ear_presence == "full_frame_and_crop":
            ear_conf = _ear_probability(min(ear_logit, ear.first_logits[0]), pp)
            if ear_conf < pp.ear_threshold:
                ear = None
        if ear is not None and ear_conf < pp.ear_threshold_unshaped and shape_findings(ear.points):
            ear = None  # not sure enough to call it an ear whose landmarks lack an ear's proportions
        if (
            ear is not None
            and pp.min_landmark_confidence > 0
            and _landmark_confidence(spec, ear.spread) < pp.min_landmark_confidence
        ):
            ear = None  # landmarks too diffuse for an ear's: a look-alike's

    check: CardCheck | None = None
    if card_net is not None and ear is not None:
        check = verify_card(rgb, card_net, ear_centre=ear.points[:4].mean(axis=0))
    quality: list[QualityIssue] = []
    if not has_card:
        quality.append(issue("no_reference_card"))
    elif check is not None and not check.verified:
        quality.append(
            issue("card_not_verified", f"{check.reason.capitalize()}, so sizes are estimates. " + _CARD_ADVICE)
        )
    corners = _card_keypoints(spec, card_net, card_spread, check)

    if ear is None:
        quality = [issue("no_ear"), *photometric_issues(rgb, None), *quality]
        analysis = EarAnalysis(
            model=spec.label,
            image_size=rgb.size,
            ear_confidence=round(ear_conf, 4),
            card_confidence=round(card_conf, 4),
            keypoints=(),
            card_corners=corners,
            scale="relative",
            mm_per_px=None,
            measurements=(),
            quality=by_priority(quality),
            tip_size=TipSizeEstimate(None, 0.0, True, "no ear was found"),
            confidence=0.0,
            card_verified=False,
            card_check=check.reason if check is not None and not check.verified else "",
        )
        return _to_stored(analysis, stored_size)

    verified = check is not None and check.verified and check.corners is not None
    card_px = check.corners if verified and check is not None else None
    measurements, mm_per_px, scale_findings = _measure(spec, ear, card_px, check if verified else None)
    quality += photometric_issues(rgb, ear.points) + geometric_issues(rgb.size, ear.points)
    findings = shape_findings(ear.points) + scale_findings
    if mm_per_px is not None:
        findings += mm_findings({m.name: m.value for m in measurements})
        length = next((m for m in measurements if m.name == "ear_length"), None)
        if length is not None:
            findings += uncertainty_findings(length.value, length.uncertainty, pp.max_length_rel_sigma)
    quality += [issue(f.code) for f in findings]
    ordered = by_priority(quality)
    usable = not any(q.blocking for q in ordered)
    keypoints = tuple(
        Keypoint(name, round(float(x), 2), round(float(y), 2), _point_confidence(s, _spread_reference(spec)))
        for name, (x, y), s in zip(spec.ear_keypoints, ear.points, ear.spread, strict=True)
    )
    confidence = ear_conf * (card_conf if verified else 0.5) * (1.0 if usable else 0.3)
    analysis = EarAnalysis(
        model=spec.label,
        image_size=rgb.size,
        ear_confidence=round(ear_conf, 4),
        card_confidence=round(card_conf, 4),
        keypoints=keypoints,
        card_corners=corners,
        scale="mm" if verified and usable else "relative",
        mm_per_px=round(mm_per_px, 5) if mm_per_px and usable else None,
        measurements=measurements if usable else (),
        quality=ordered,
        tip_size=_tip_size(measurements, verified, usable),
        confidence=round(confidence, 4),
        card_verified=bool(verified),
        card_check=check.reason if check is not None and not check.verified else "",
    )
    return _to_stored(analysis, stored_size)


_CARD_ADVICE = "Hold the bank card flat against your head beside the ear, with all four corners and edges in view."


def _ear_probability(logit: float, pp: PostProcessing) -> float:
    return sigmoid(pp.presence_scale * logit + pp.presence_bias)


def _card_keypoints(
    spec: ModelSpec, card_net: FloatArray | None, spread: FloatArray | None, check: CardCheck | None
) -> tuple[Keypoint, ...]:
    """The verified corners with their edge-fit confidence; else the network's, heatmap confidence."""
    if check is not None and check.verified and check.corners is not None:
        return tuple(
            Keypoint(name, round(float(x), 2), round(float(y), 2), round(c, 3))
            for name, (x, y), c in zip(spec.card_keypoints, check.corners, check.corner_confidence, strict=True)
        )
    if card_net is None or spread is None:
        return ()
    return tuple(
        Keypoint(name, round(float(x), 2), round(float(y), 2), _point_confidence(s, _spread_reference(spec)))
        for name, (x, y), s in zip(spec.card_keypoints, card_net, spread, strict=True)
    )


def _measure(
    spec: ModelSpec, ear: _Refined, card_px: FloatArray | None, check: CardCheck | None
) -> tuple[tuple[Measurement, ...], float | None, list[Finding]]:
    """Measurements (mm with a verified card, else ratios to ear length), mm per px at the ear,
    and what the card-and-ear consistency check found."""
    findings: list[Finding] = []
    if card_px is not None:
        h = image_to_card_plane(card_px)
        scale_ear = local_scale(h, ear.points[:4].mean(axis=0))
        scale_card = local_scale(h, card_px.mean(axis=0))
        findings = card_ear_findings(card_px, ear.points, scale_card, scale_ear)
    if spec.postprocessing.uncertainty != "calibrated":
        values, mm_per_px = measure(ear.points, ear.spread, card_px, spec, _spread_reference(spec))
        return values, mm_per_px, findings
    pp = spec.postprocessing
    length_px = float(np.linalg.norm(ear.points[ear_index("helix_top")] - ear.points[ear_index("lobe_bottom")]))
    out = []
    mm_per_px = None
    if card_px is not None and check is not None:
        plane = apply_homography(image_to_card_plane(card_px), ear.points)
        mm_len = float(np.linalg.norm(plane[ear_index("helix_top")] - plane[ear_index("lobe_bottom")]))
        mm_per_px = mm_len / length_px if length_px > 0 else None
    for name, (a, b) in MEASUREMENT_PAIRS.items():
        ia, ib = ear_index(a), ear_index(b)
        sigma_px = math.hypot(float(ear.sigma_px[ia]), float(ear.sigma_px[ib]))
        if mm_per_px is not None and check is not None:
            value = float(np.linalg.norm(plane[ia] - plane[ib]))
            u = math.hypot(sigma_px * mm_per_px, value * check.scale_rel_sigma)
            out.append(Measurement(name, round(value, 2), round(pp.z(name) * u, 2), "mm"))
        else:
            value = float(np.linalg.norm(ear.points[ia] - ear.points[ib])) / max(length_px, 1e-6)
            out.append(
                Measurement(name, round(value, 4), round(pp.z(name) * sigma_px / max(length_px, 1e-6), 4), "ratio")
            )
    return tuple(out), mm_per_px, findings


def _to_stored(analysis: EarAnalysis, stored_size: tuple[int, int] | None) -> EarAnalysis:
    """Coordinates rescaled to the stored photo when it is not the analysed image."""
    if stored_size is None or tuple(stored_size) == tuple(analysis.image_size):
        return analysis
    sx = stored_size[0] / analysis.image_size[0]
    sy = stored_size[1] / analysis.image_size[1]

    def scaled(points: tuple[Keypoint, ...]) -> tuple[Keypoint, ...]:
        return tuple(Keypoint(k.name, round(k.x * sx, 2), round(k.y * sy, 2), k.confidence) for k in points)

    mm = analysis.mm_per_px / math.sqrt(sx * sy) if analysis.mm_per_px else None
    from dataclasses import replace

    return replace(
        analysis,
        image_size=(int(stored_size[0]), int(stored_size[1])),
        keypoints=scaled(analysis.keypoints),
        card_corners=scaled(analysis.card_corners),
        mm_per_px=round(mm, 5) if mm else None,
    )


def _tip_size(measurements: tuple[Measurement, ...], has_card: bool, usable: bool) -> TipSizeEstimate:
    if not usable:
        return TipSizeEstimate(None, 0.0, True, "the photo did not pass the quality checks")
    if not has_card:
        return TipSizeEstimate(None, 0.0, True, "no verified card in the photo, so no size in mm")
    notch = next(m for m in measurements if m.name == "intertragal_notch_width")
    return tip_size_from_notch(notch.value, notch.uncertainty)


def _point_confidence(spread: float, reference: float) -> float:
    """1 for a heatmap as sharp as the model's typical well-seen landmark (its card's
    ``spread_reference``), falling to 0 as it spreads 0.08 of the crop beyond that."""
    return round(float(np.clip(1.0 - (spread - reference) / 0.08, 0.0, 1.0)), 3)


def _spread_reference(spec: ModelSpec) -> float:
    return spec.spread_reference or DEFAULT_SPREAD_REFERENCE


def _landmark_confidence(spec: ModelSpec, spread: FloatArray) -> float:
    """The ear landmarks' mean ``Keypoint.confidence``: how sharply the network placed them."""
    return float(np.mean([_point_confidence(float(s), _spread_reference(spec)) for s in spread]))


__all__ = ["CARD_REFINEMENT", "EAR_REFINEMENT", "PRESENCE_THRESHOLD", "analyse_photo", "render_overlay"]
