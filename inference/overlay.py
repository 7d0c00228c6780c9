"""Draw an analysis on its photo: card outline, landmarks and measurement lines with values."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from inference.keypoints import MEASUREMENT_PAIRS
from inference.types import EarAnalysis

# The client's legend names these (recommendations.measuring.analysis.overlay_legend).
CARD_COLOUR = (0, 255, 255)
COLOURS = {
    "ear_length": (255, 64, 64),
    "ear_width": (64, 160, 255),
    "concha_height": (255, 200, 0),
    "concha_width": (0, 220, 120),
    "intertragal_notch_width": (255, 0, 255),
}


def render_overlay(image: Image.Image, analysis: EarAnalysis, *, image_format: str = "PNG") -> bytes:
    """The photo with the analysis drawn on it, encoded as PNG (default) or JPEG, no metadata."""
    canvas = Image.new("RGB", image.size)
    canvas.paste(image.convert("RGB"))
    draw = ImageDraw.Draw(canvas)
    line = max(2, round(max(canvas.size) / 400))
    if analysis.card_corners:
        pts = [(c.x, c.y) for c in analysis.card_corners]
        draw.line([*pts, pts[0]], fill=CARD_COLOUR, width=line)
    by_name = {k.name: k for k in analysis.keypoints}
    for m in analysis.measurements:
        a, b = MEASUREMENT_PAIRS[m.name]
        if a in by_name and b in by_name:
            pa, pb = by_name[a], by_name[b]
            colour = COLOURS.get(m.name, (255, 255, 255))
            draw.line([(pa.x, pa.y), (pb.x, pb.y)], fill=colour, width=line)
            label = f"{m.value:.1f} mm" if m.unit == "mm" else f"{m.value:.2f}x"
            draw.text(((pa.x + pb.x) / 2 + 2 * line, (pa.y + pb.y) / 2), label, fill=colour)
    r = 2 * line
    for k in analysis.keypoints:
        draw.ellipse((k.x - r, k.y - r, k.x + r, k.y + r), outline=(255, 255, 255), width=max(1, line // 2))
    buf = io.BytesIO()
    if image_format.upper() in ("JPEG", "JPG"):
        canvas.save(buf, "JPEG", quality=85)
    else:
        canvas.save(buf, "PNG")
    return buf.getvalue()
