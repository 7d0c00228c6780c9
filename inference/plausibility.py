"""Plausibility guards: a measurement outside what adult ears are is a failed measurement, never a result.

Ranges. Adult ear length (superaurale–subaurale) averages about 60–66 mm and width
(preaurale–postaurale) about 30–36 mm in the large anthropometric surveys, with standard deviations
of about 4 and 2.5 mm: Farkas L.G., *Anthropometry of the Head and Face*, 2nd ed., Raven Press,
1994; Sforza C. et al., "Age- and sex-related changes in the normal human ear", *Forensic Science
International* 187 (2009) 110.e1–110.e7; Alexander K.S. et al., "A morphometric study of the human
ear", *Journal of Plastic, Reconstructive & Aesthetic Surgery* 64 (2011) 41–47. The limits below
(length 50–75 mm, width 27–40 mm, width / length 0.40–0.72, the concha and the notch inside the
ear's own outline and a fraction of its size) lie about three standard deviations out, so a real
adult ear falls outside them rarely, while a misread photo (a hand, a cup handle, a cat's fur, a
card held far from the ear) lands outside them often. They are guards, not a diagnosis: a person
whose ear is truly outside them is asked to retake, and is told so.

The guards that need no card (shape ratios, concha inside the ear, the ear's size in the picture)
run on every photo; the ones in millimetres only when a verified card gives the scale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from inference.geometry import FloatArray
from inference.keypoints import ear_index

EAR_LENGTH_MM = (50.0, 75.0)
EAR_WIDTH_MM = (27.0, 40.0)
WIDTH_TO_LENGTH = (0.40, 0.72)
CONCHA_HEIGHT_TO_LENGTH = (0.18, 0.45)
CONCHA_WIDTH_TO_WIDTH = (0.30, 0.75)
NOTCH_TO_CONCHA_WIDTH = (0.15, 0.85)
# The card is held flat beside the ear: its centre within this many card diagonals of the ear's,
# and the plane's scale (mm per px) at the ear within this fraction of the scale at the card.
CARD_EAR_MAX_DISTANCE = 1.6
CARD_EAR_SCALE_AGREEMENT = 0.25


@dataclass(frozen=True)
class Finding:
    code: str  # implausible_measurement | scale_inconsistent
    detail: str  # what was out of range, in words (logs, evaluation; the shopper gets the code's sentence)


def _ratio_outside(value: float, bounds: tuple[float, float]) -> bool:
    return not bounds[0] <= value <= bounds[1]


def _inside(polygon: FloatArray, point: FloatArray) -> bool:
    """Point in a convex-or-not polygon (even-odd rule)."""
    x, y = float(point[0]), float(point[1])
    inside = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def shape_findings(ear_px: FloatArray) -> list[Finding]:
    """Scale-free checks on the landmarks: proportions and the concha inside the ear."""
    p = {name: ear_px[ear_index(name)] for name in ("helix_top", "ear_back", "lobe_bottom", "ear_front")}
    length = float(np.linalg.norm(p["helix_top"] - p["lobe_bottom"]))
    width = float(np.linalg.norm(p["ear_front"] - p["ear_back"]))
    if length <= 1e-6:
        return [Finding("implausible_measurement", "ear length is zero")]
    found = []
    if _ratio_outside(width / length, WIDTH_TO_LENGTH):
        found.append(
            Finding("implausible_measurement", f"width / length {width / length:.2f} outside {WIDTH_TO_LENGTH}")
        )
    ch = float(np.linalg.norm(ear_px[ear_index("concha_top")] - ear_px[ear_index("concha_bottom")]))
    cw = float(np.linalg.norm(ear_px[ear_index("concha_front")] - ear_px[ear_index("concha_back")]))
    notch = float(np.linalg.norm(ear_px[ear_index("notch_front")] - ear_px[ear_index("notch_back")]))
    if _ratio_outside(ch / length, CONCHA_HEIGHT_TO_LENGTH):
        found.append(Finding("implausible_measurement", f"concha height / ear length {ch / length:.2f}"))
    if width > 0 and _ratio_outside(cw / width, CONCHA_WIDTH_TO_WIDTH):
        found.append(Finding("implausible_measurement", f"concha width / ear width {cw / width:.2f}"))
    if cw > 0 and _ratio_outside(notch / cw, NOTCH_TO_CONCHA_WIDTH):
        found.append(Finding("implausible_measurement", f"notch / concha width {notch / cw:.2f}"))
    outline = np.array([p["helix_top"], p["ear_back"], p["lobe_bottom"], p["ear_front"]])
    concha = ("concha_top", "concha_bottom", "concha_front", "concha_back")
    if not all(_inside(outline, ear_px[ear_index(name)]) for name in concha):
        found.append(Finding("implausible_measurement", "concha not inside the ear's outline"))
    return found


def mm_findings(values_mm: dict[str, float]) -> list[Finding]:
    """Absolute checks once a verified card gives millimetres."""
    found = []
    length, width = values_mm.get("ear_length", math.nan), values_mm.get("ear_width", math.nan)
    if not EAR_LENGTH_MM[0] <= length <= EAR_LENGTH_MM[1]:
        found.append(Finding("implausible_measurement", f"ear length {length:.1f} mm outside {EAR_LENGTH_MM}"))
    if not EAR_WIDTH_MM[0] <= width <= EAR_WIDTH_MM[1]:
        found.append(Finding("implausible_measurement", f"ear width {width:.1f} mm outside {EAR_WIDTH_MM}"))
    return found


def uncertainty_findings(length_mm: float, length_sigma_mm: float, ceiling: float) -> list[Finding]:
    """An ear length whose reported uncertainty is a larger share of it than ``ceiling`` (a model
    version's ``max_length_rel_sigma``: the largest its calibration renders given millimetres
    showed) lies outside what the uncertainty was calibrated on, so it is not reported: a look-alike
    (a cat's eye read as an ear) gives landmarks the network cannot place sharply."""
    if not math.isfinite(ceiling) or length_mm <= 0 or length_sigma_mm <= ceiling * length_mm:
        return []
    relative = length_sigma_mm / length_mm
    return [Finding("implausible_measurement", f"ear length +/- {relative:.1%}, beyond the calibrated {ceiling:.1%}")]


def card_ear_findings(
    card_px: FloatArray, ear_px: FloatArray, scale_at_card: float, scale_at_ear: float
) -> list[Finding]:
    """The card must be beside the ear and in the same plane: near it, and at the same scale."""
    diagonal = float(np.linalg.norm(card_px[2] - card_px[0]))
    distance = float(np.linalg.norm(card_px.mean(axis=0) - ear_px.mean(axis=0)))
    found = []
    if distance > CARD_EAR_MAX_DISTANCE * diagonal:
        found.append(Finding("scale_inconsistent", f"card {distance / diagonal:.1f} card diagonals from the ear"))
    if scale_at_card > 0 and abs(scale_at_ear / scale_at_card - 1.0) > CARD_EAR_SCALE_AGREEMENT:
        found.append(Finding("scale_inconsistent", f"scale at the ear {scale_at_ear / scale_at_card:.2f}x the card's"))
    return found
