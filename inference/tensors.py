"""Pure functions from a decoded image to the model's input tensor, and back to image pixels.

One function, ``crop_to_square``, serves the full-frame letterbox and the zoomed refinement crops,
so the training script and the service feed the network exactly the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from inference.geometry import FloatArray

PAD_COLOUR = (114, 114, 114)


@dataclass(frozen=True)
class CropBox:
    """A square window on the original image (may reach past its edges) and the model input size."""

    x0: float
    y0: float
    side: float
    size: int

    @property
    def scale(self) -> float:
        """Model-input pixels per original pixel."""
        return self.size / self.side

    def to_image(self, points_unit: FloatArray) -> FloatArray:
        """Map points in unit input coordinates ([0, 1] across the input) to original pixels."""
        pts = np.asarray(points_unit, dtype=np.float64)
        return np.asarray(pts * self.side + np.array([self.x0, self.y0]), dtype=np.float64)

    def to_unit(self, points_px: FloatArray) -> FloatArray:
        pts = np.asarray(points_px, dtype=np.float64)
        return np.asarray((pts - np.array([self.x0, self.y0])) / self.side, dtype=np.float64)


def full_frame_box(width: int, height: int, size: int) -> CropBox:
    """The letterbox: the smallest square centred on the image that contains all of it."""
    side = float(max(width, height))
    return CropBox((width - side) / 2, (height - side) / 2, side, size)


def box_around(points_px: FloatArray, *, margin: float, size: int, min_side: float = 16.0) -> CropBox:
    """A square around ``points_px``, ``margin`` times their larger extent (1.5 = 25 % each side)."""
    pts = np.asarray(points_px, dtype=np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    side = max(float((hi - lo).max()) * margin, min_side)
    centre = (lo + hi) / 2
    return CropBox(float(centre[0] - side / 2), float(centre[1] - side / 2), side, size)


def crop_to_square(image: Image.Image, box: CropBox) -> Image.Image:
    """Resample ``box`` of ``image`` into a ``box.size`` square; outside the image is grey."""
    out = Image.new("RGB", (box.size, box.size), PAD_COLOUR)
    s = box.scale
    w, h = image.size
    # Destination rectangle of the visible part, rounded inwards so the source stays in bounds.
    dx0 = int(np.ceil(max(0.0, -box.x0) * s))
    dy0 = int(np.ceil(max(0.0, -box.y0) * s))
    dx1 = int(np.floor(min(float(box.size), (w - box.x0) * s)))
    dy1 = int(np.floor(min(float(box.size), (h - box.y0) * s)))
    if dx1 - dx0 < 1 or dy1 - dy0 < 1:
        return out
    src = (box.x0 + dx0 / s, box.y0 + dy0 / s, box.x0 + dx1 / s, box.y0 + dy1 / s)
    src = (max(src[0], 0.0), max(src[1], 0.0), min(src[2], float(w)), min(src[3], float(h)))
    source = image if image.mode == "RGB" else image.convert("RGB")  # convert() would copy even an RGB image
    patch = source.resize((dx1 - dx0, dy1 - dy0), Image.Resampling.BILINEAR, box=src)
    out.paste(patch, (dx0, dy0))
    return out


def normalise(
    pixels: npt.NDArray[np.uint8], mean: tuple[float, float, float], std: tuple[float, float, float]
) -> npt.NDArray[np.float32]:
    """HWC (one crop) or NHWC (a batch) uint8 → NCHW float32, ``(x / 255 - mean) / std`` per channel.

    A batch is normalised in one go: the same arithmetic per pixel, a few numpy calls in all.
    """
    batch = pixels[None, ...] if pixels.ndim == 3 else pixels
    out = np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32)  # the one copy
    out *= np.float32(1.0 / 255.0)
    out -= np.asarray(mean, dtype=np.float32).reshape(1, 3, 1, 1)
    out /= np.asarray(std, dtype=np.float32).reshape(1, 3, 1, 1)
    return out
