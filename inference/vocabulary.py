"""The words a measurement is made of, defined once for inference and the Django side alike.

Django-free (inference imports no Django), so `recommendations/vocabulary.py` re-exports these and
adds the product words. Which distances are measured is the model's contract
(`keypoints.MEASUREMENT_PAIRS`); this module names them for people.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

from inference.keypoints import MEASUREMENTS

TipSize = Literal["XS", "S", "M", "L", "XL"]
# Smallest to largest: neighbouring sizes are one step apart.
TIP_SIZES: Final[tuple[TipSize, ...]] = get_args(TipSize)
TIP_SIZE_LABELS: Final[dict[TipSize, str]] = {
    "XS": "Extra small",
    "S": "Small",
    "M": "Medium",
    "L": "Large",
    "XL": "Extra large",
}

# "mm" when a card gave the photo its scale, "ratio" (to ear length) when none did.
Unit = Literal["mm", "ratio"]
UNITS: Final[tuple[Unit, ...]] = get_args(Unit)
Scale = Literal["mm", "relative"]
SCALES: Final[tuple[Scale, ...]] = get_args(Scale)

MEASUREMENT_NAMES: Final[tuple[str, ...]] = MEASUREMENTS
MEASUREMENT_LABELS: Final[dict[str, str]] = {
    "ear_length": "ear length",
    "ear_width": "ear width",
    "concha_height": "concha height",
    "concha_width": "concha width",
    "intertragal_notch_width": "intertragal notch width",
}
