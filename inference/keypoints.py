"""The model's keypoint contract: names, order and which pairs define each measurement."""

from __future__ import annotations

from typing import Final

# Ear landmarks, anatomical (front = the face side, where the tragus is), whatever the ear's side.
EAR_KEYPOINTS: Final = (
    "helix_top",  # highest point of the helix rim
    "lobe_bottom",  # lowest point of the lobe
    "ear_front",  # most anterior point of the auricle outline
    "ear_back",  # most posterior point of the helix
    "concha_top",
    "concha_bottom",
    "concha_front",
    "concha_back",
    "notch_front",  # lower tip of the tragus (front edge of the intertragal notch)
    "notch_back",  # front tip of the antitragus (back edge of the intertragal notch)
)
CARD_KEYPOINTS: Final = ("card_top_left", "card_top_right", "card_bottom_right", "card_bottom_left")
ALL_KEYPOINTS: Final = EAR_KEYPOINTS + CARD_KEYPOINTS

# measurement name -> (keypoint a, keypoint b); the measurement is the distance between them.
MEASUREMENT_PAIRS: Final = {
    "ear_length": ("helix_top", "lobe_bottom"),
    "ear_width": ("ear_front", "ear_back"),
    "concha_height": ("concha_top", "concha_bottom"),
    "concha_width": ("concha_front", "concha_back"),
    "intertragal_notch_width": ("notch_front", "notch_back"),
}
MEASUREMENTS: Final = tuple(MEASUREMENT_PAIRS)


def ear_index(name: str) -> int:
    return EAR_KEYPOINTS.index(name)
