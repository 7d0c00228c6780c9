"""Turns rendered photos into model-input samples: the full frame plus an ear and a card crop.

The crops mimic the service's refinement passes (see ``inference.predict``): a square around the
object found in the full frame, with the box jittered as a first pass would misplace it. For the
2.x models every photo also gives an ear crop with no ear in it (a window elsewhere in the photo),
so the zoomed pass learns to say "no ear" too, and real photographs from the negative set's
training split give full frames and crops with no ear (half of them with a drawn card).
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from tqdm import tqdm

from inference.keypoints import CARD_KEYPOINTS, EAR_KEYPOINTS
from inference.tensors import CropBox, box_around, crop_to_square, full_frame_box
from inference.training.renderer import render_photo
from inference.training.scene import RenderedPhoto, photo_view

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


def _empty_window(photo: RenderedPhoto, rng: np.random.Generator, size: int) -> CropBox | None:
    """A square window of ear-crop size that holds no ear (None when none is found in a few tries)."""
    w, h = photo.image.size
    ear = photo.ear_keypoints_px
    for _ in range(8):
        side = float(rng.uniform(0.15, 0.6)) * min(w, h)
        x0, y0 = float(rng.uniform(0, w - side)), float(rng.uniform(0, h - side))
        if ear is None:
            return CropBox(x0, y0, side, size)
        lo, hi = ear.min(axis=0), ear.max(axis=0)
        ix = max(0.0, min(hi[0], x0 + side) - max(lo[0], x0))
        iy = max(0.0, min(hi[1], y0 + side) - max(lo[1], y0))
        if ix * iy < 0.1 * float(np.prod(hi - lo)):
            return CropBox(x0, y0, side, size)
    return None


def samples_from_photo(
    photo: RenderedPhoto, rng: np.random.Generator, size: int, *, negative_crops: bool = False
) -> list[Row]:
    out: list[Row] = []
    w, h = photo.image.size

    def sample(box: CropBox, ear: bool, card: bool, presence_mask: tuple[float, float], *, empty: bool = False) -> Row:
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
        presence = np.array([photo.has_ear and not empty, photo.has_card], dtype=np.float32)
        return pixels, kps, mask, presence, np.asarray(presence_mask, dtype=np.float32)

    out.append(sample(full_frame_box(w, h, size), True, True, (1.0, 1.0)))
    if negative_crops:
        box = _empty_window(photo, rng, size)
        if box is not None:
            out.append(sample(box, False, False, (1.0, 0.0), empty=True))
    if photo.ear_keypoints_px is not None:
        box = box_around(photo.ear_keypoints_px, margin=float(rng.uniform(*EAR_MARGIN)), size=size)
        out.append(sample(_jittered(box, rng), True, False, (1.0, 0.0)))
    if photo.card_corners_px is not None:
        box = box_around(photo.card_corners_px, margin=float(rng.uniform(*CARD_MARGIN)), size=size)
        out.append(sample(_jittered(box, rng), False, True, (0.0, 1.0)))
    return out


def _render_rows(args: tuple[int, int, str, bool]) -> list[Row]:
    seed, size, style, negative_crops = args
    rng = np.random.default_rng(seed + 7_919)
    photo = render_photo(seed, style=style, backgrounds=_BACKGROUNDS)
    return samples_from_photo(photo, rng, size, negative_crops=negative_crops)


_BACKGROUNDS: list[Image.Image] = []


def _init_worker(backgrounds: list[Image.Image]) -> None:
    _BACKGROUNDS[:] = backgrounds


def build_samples(
    seeds: range,
    size: int,
    *,
    desc: str = "rendering",
    style: str = "flat",
    backgrounds: Sequence[Image.Image] = (),
    negatives: Sequence[Image.Image] = (),
    views_per_negative: int = 0,
    processes: int = 1,
) -> Samples:
    """Samples from rendered photos (and, for 2.x, real negative photographs) for training.

    ``style="flat"`` with no negatives reproduces the 1.x training set exactly.
    """
    rows: list[Row] = []
    photo = style == "photo"
    jobs = [(seed, size, style, photo) for seed in seeds]
    if processes > 1:
        with multiprocessing.get_context("fork").Pool(processes, _init_worker, (list(backgrounds),)) as pool:
            for chunk in tqdm(pool.imap(_render_rows, jobs, chunksize=16), total=len(jobs), desc=desc, unit="photo"):
                rows.extend(chunk)
    else:
        _init_worker(list(backgrounds))
        for job in tqdm(jobs, desc=desc, unit="photo"):
            rows.extend(_render_rows(job))
    rng = np.random.default_rng(31_337)
    for i in tqdm(range(len(negatives) * views_per_negative), desc="negative photos", unit="view"):
        picture = negatives[i % len(negatives)]
        shape = ((384, 288), (288, 384), (336, 336))[int(rng.integers(3))]
        view = photo_view(picture, rng, shape, card=bool(rng.random() < 0.5))
        rows.extend(samples_from_photo(view, rng, size, negative_crops=True))
    return Samples(
        images=np.stack([r[0] for r in rows]).astype(np.uint8),
        keypoints=np.stack([r[1] for r in rows]).astype(np.float32),
        keypoint_mask=np.stack([r[2] for r in rows]).astype(np.float32),
        presence=np.stack([r[3] for r in rows]).astype(np.float32),
        presence_mask=np.stack([r[4] for r in rows]).astype(np.float32),
    )
