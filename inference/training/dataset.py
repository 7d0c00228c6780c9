"""Turns rendered photos into model-input samples: the full frame plus an ear and a card crop.

The crops mimic the service's refinement passes (see ``inference.predict``): a square around the
object found in the full frame, with the box jittered as a first pass would misplace it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from inference.keypoints import CARD_KEYPOINTS, EAR_KEYPOINTS
from inference.tensors import CropBox, box_around, crop_to_square, full_frame_box
from inference.training.renderer import RenderedPhoto, render_photo

NUM_EAR = len(EAR_KEYPOINTS)
NUM_ALL = NUM_EAR + len(CARD_KEYPOINTS)
EAR_MARGIN = (1.3, 1.8)
CARD_MARGIN = (1.25, 1.6)


@dataclass(frozen=True)
class Samples:
    images: npt.NDArray[np.uint8]  # (N, S, S, 3)
    keypoints: npt.NDArray[np.float32]  # (N, K, 2) unit input coordinates
    keypoint_mask: npt.NDArray[np.float32]  # (N, K)
    presence: npt.NDArray[np.float32]  # (N, 2) ear, card
    presence_mask: npt.NDArray[np.float32]  # (N, 2)


def _jittered(box: CropBox, rng: np.random.Generator) -> CropBox:
    dx, dy = rng.normal(0, 0.06 * box.side, 2)
    return CropBox(box.x0 + float(dx), box.y0 + float(dy), box.side, box.size)


Row = tuple[
    npt.NDArray[np.uint8],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
    npt.NDArray[np.float32],
]


def samples_from_photo(photo: RenderedPhoto, rng: np.random.Generator, size: int) -> list[Row]:
    out: list[Row] = []
    w, h = photo.image.size

    def sample(box: CropBox, ear: bool, card: bool, presence_mask: tuple[float, float]) -> Row:
        kps = np.zeros((NUM_ALL, 2), dtype=np.float32)
        mask = np.zeros(NUM_ALL, dtype=np.float32)
        if ear and photo.ear_keypoints_px is not None:
            kps[:NUM_EAR] = box.to_unit(photo.ear_keypoints_px)
            mask[:NUM_EAR] = 1
        if card and photo.card_corners_px is not None:
            kps[NUM_EAR:] = box.to_unit(photo.card_corners_px)
            mask[NUM_EAR:] = 1
        inside = np.all((kps > 0.0) & (kps < 1.0), axis=1)
        mask = (mask * inside).astype(np.float32)
        pixels = np.asarray(crop_to_square(photo.image, box), dtype=np.uint8)
        presence = np.array([photo.has_ear, photo.has_card], dtype=np.float32)
        return pixels, kps, mask, presence, np.asarray(presence_mask, dtype=np.float32)

    out.append(sample(full_frame_box(w, h, size), True, True, (1.0, 1.0)))
    if photo.ear_keypoints_px is not None:
        box = box_around(photo.ear_keypoints_px, margin=float(rng.uniform(*EAR_MARGIN)), size=size)
        out.append(sample(_jittered(box, rng), True, False, (1.0, 0.0)))
    if photo.card_corners_px is not None:
        box = box_around(photo.card_corners_px, margin=float(rng.uniform(*CARD_MARGIN)), size=size)
        out.append(sample(_jittered(box, rng), False, True, (0.0, 1.0)))
    return out


def build_samples(seeds: range, size: int, *, desc: str = "rendering") -> Samples:
    rows: list[Row] = []
    for seed in tqdm(seeds, desc=desc, unit="photo"):
        rng = np.random.default_rng(seed + 7_919)
        rows.extend(samples_from_photo(render_photo(seed), rng, size))
    return Samples(
        images=np.stack([r[0] for r in rows]).astype(np.uint8),
        keypoints=np.stack([r[1] for r in rows]).astype(np.float32),
        keypoint_mask=np.stack([r[2] for r in rows]).astype(np.float32),
        presence=np.stack([r[3] for r in rows]).astype(np.float32),
        presence_mask=np.stack([r[4] for r in rows]).astype(np.float32),
    )
