"""The old system's photo path, for comparison only (never deployed): a minimal Flask app.

    gunicorn -c gunicorn.conf.py bench.legacy_app:app      (LEGACY_PHOTO_DIR: where photos are saved)

What the legacy service did per photo: read the whole upload, decode it at full resolution, turn
it upright, resize it, run the same ONNX model (earfit's shipped version, through the same
`analyse_photo`), and save the photo to local disk before answering.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
from pathlib import Path

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from PIL import Image, ImageOps

from inference.predict import analyse_photo
from inference.registry import default_spec

STORED_LONG_SIDE = 500  # earfit's PHOTO_STORED_LONG_SIDE default: the model sees the same pixels
PHOTO_DIR = Path(os.environ.get("LEGACY_PHOTO_DIR") or tempfile.mkdtemp(prefix="legacy-photos-"))

app = Flask(__name__)


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@app.post("/photos")
def photo_upload() -> ResponseReturnValue:
    data = request.files["image"].read()
    with Image.open(io.BytesIO(data)) as im:
        im.load()  # full resolution: 12 MP for a phone photo
        upright = ImageOps.exif_transpose(im.convert("RGB"))
    scale = STORED_LONG_SIDE / max(upright.size)
    resized = upright.resize((round(upright.size[0] * scale), round(upright.size[1] * scale)), Image.Resampling.LANCZOS)
    analysis = analyse_photo(resized, spec=default_spec())
    path = PHOTO_DIR / f"{uuid.uuid4().hex}.jpg"
    with path.open("wb") as out:
        upright.save(out, "JPEG", quality=95)
        out.flush()
        os.fsync(out.fileno())  # synchronous: the answer waits for the disk
    return jsonify(usable=analysis.usable, scale=analysis.scale, confidence=analysis.confidence), 201
