"""Bank-card artwork of the project's own: no real issuer's design, only what every ID-1 card has.

A gradient or a flat colour with soft waves, a gold or silver chip with its contact pads, sixteen
embossed digits in four groups, a holder name and an expiry line, an invented round logo, and a
glare band. Drawn at 8 px per mm on an 85.60 x 53.98 mm card with ISO corner radius 3.18 mm; the
scene warps it into the photo.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from inference.geometry import CARD_HEIGHT_MM, CARD_WIDTH_MM
from inference.training.realism import F32, noise_field

PPM = 8.0
CORNER_RADIUS_MM = 3.18
_PALETTE = np.array(
    [
        (20, 60, 150),
        (170, 175, 185),
        (25, 25, 30),
        (200, 160, 60),
        (30, 120, 70),
        (235, 235, 240),
        (120, 20, 40),
        (90, 40, 140),
        (0, 130, 150),
        (230, 120, 30),
    ],
    dtype=np.float64,
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def card_artwork(rng: np.random.Generator) -> F32:
    """RGBA (H, W, 4) of a landscape card, colour 0..255 and alpha 0..1 (rounded corners)."""
    w, h = round(CARD_WIDTH_MM * PPM), round(CARD_HEIGHT_MM * PPM)
    c0 = _PALETTE[rng.integers(len(_PALETTE))] + rng.normal(0, 15, 3)
    c1 = c0 * rng.uniform(0.5, 1.3) + rng.normal(0, 25, 3)
    xs = np.linspace(0, 1, w)[None, :]
    ys = np.linspace(0, 1, h)[:, None]
    angle = rng.uniform(0, np.pi)
    t = np.clip(np.cos(angle) * xs + np.sin(angle) * ys, 0, 1) if rng.random() < 0.7 else np.zeros((h, w))
    base = c0[None, None, :] * (1 - t[..., None]) + c1[None, None, :] * t[..., None]
    if rng.random() < 0.5:  # soft waves or guilloche-like lines
        freq = rng.uniform(4, 14)
        waves = np.sin(2 * np.pi * (freq * xs + 2 * np.sin(2 * np.pi * ys * rng.uniform(0.5, 2))))
        base *= 1 + rng.uniform(0.03, 0.12) * waves[..., None]
    base *= 1 + 0.015 * noise_field(rng, (h, w), 2.0)[..., None]
    img = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    dark = float(np.mean(c0)) < 130
    ink = (235, 235, 235) if dark else (25, 25, 35)
    shade = (0, 0, 0) if dark else (255, 255, 255)

    if rng.random() < 0.85:  # chip: ~11 x 9 mm, 9 mm from the left edge, centred a little above the middle
        x0, y0 = 9 * PPM + rng.normal(0, 3), 19 * PPM + rng.normal(0, 3)
        gold = np.array((212, 178, 96)) if rng.random() < 0.7 else np.array((190, 190, 195))
        cw, ch = 11 * PPM, 9 * PPM
        draw.rounded_rectangle(
            (x0, y0, x0 + cw, y0 + ch),
            radius=1.2 * PPM,
            fill=tuple(int(v) for v in gold),
            outline=tuple(int(v) for v in gold * 0.6),
            width=2,
        )
        for fx in (0.33, 0.67):
            draw.line((x0 + cw * fx, y0, x0 + cw * fx, y0 + ch), fill=tuple(int(v) for v in gold * 0.65), width=2)
        draw.line((x0, y0 + ch / 2, x0 + cw, y0 + ch / 2), fill=tuple(int(v) for v in gold * 0.65), width=2)
    if rng.random() < 0.9:  # embossed number: highlight above-left, shadow below-right
        digits = "  ".join("".join(str(int(d)) for d in rng.integers(0, 10, 4)) for _ in range(4))
        font = _font(int(rng.uniform(4.0, 5.0) * PPM))
        pos = (7 * PPM + rng.normal(0, 2), 32 * PPM + rng.normal(0, 3))
        draw.text((pos[0] + 2, pos[1] + 2), digits, font=font, fill=shade)
        draw.text((pos[0] - 1, pos[1] - 1), digits, font=font, fill=(255, 255, 255))
        draw.text(pos, digits, font=font, fill=ink)
        small = _font(int(2.6 * PPM))
        name = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(6, 14))))
        draw.text((7 * PPM, 44 * PPM), name, font=small, fill=ink)
        draw.text(
            (50 * PPM, 40 * PPM), f"{int(rng.integers(1, 13)):02d}/{int(rng.integers(25, 35))}", font=small, fill=ink
        )
    if rng.random() < 0.8:  # an invented logo: two overlapping discs or a ring, top or bottom right
        cx, cy = w - rng.uniform(10, 18) * PPM, (rng.choice([8.0, 44.0]) + rng.normal(0, 1)) * PPM
        r = rng.uniform(3.5, 6) * PPM
        a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        draw.ellipse((cx - 1.6 * r, cy - r, cx - 0.2 * r, cy + r), fill=tuple(int(v) for v in a))
        draw.ellipse((cx - 0.8 * r, cy - r, cx + 0.6 * r, cy + r), fill=tuple(int(v) for v in b))
    if rng.random() < 0.5:
        draw.text(
            (7 * PPM, 6 * PPM),
            "".join(chr(int(c)) for c in rng.integers(65, 91, 5)),
            font=_font(int(4 * PPM)),
            fill=ink,
        )

    rgb = np.asarray(img, dtype=np.float32)
    if rng.random() < 0.7:  # glare: a soft bright band across the laminate
        gx = np.cos(rng.uniform(0, np.pi)) * xs + np.sin(rng.uniform(0, np.pi)) * ys
        centre, width = rng.uniform(0.1, 0.9), rng.uniform(0.04, 0.2)
        glare = np.exp(-(((gx - centre) / width) ** 2)) * rng.uniform(0.15, 0.6)
        rgb = np.asarray(rgb * (1 - glare[..., None]) + 255 * glare[..., None], dtype=np.float32)
    alpha = Image.new("L", (w, h), 0)
    ImageDraw.Draw(alpha).rounded_rectangle((0, 0, w - 1, h - 1), radius=CORNER_RADIUS_MM * PPM, fill=255)
    alpha_mask = np.asarray(alpha, dtype=np.float32)[..., None] / 255.0
    return np.concatenate([np.clip(rgb, 0, 255), alpha_mask], axis=-1).astype(np.float32)
