"""Model specs: which ONNX file, pinned by sha256, with its input/output contract, from its card.

A card is ``<dir>/<name>-<version>.json`` next to the ``.onnx`` file it names. ``load_spec`` checks
the file's sha256 against the card before anything runs it; ``default_spec`` is the model this
code release ships (overridable with ``INFERENCE_MODEL_CARD`` for an operator's evaluation run).
Several versions can be loaded side by side: ``spec_for_version`` loads and remembers each one, so
a process can analyse one photo with 1.1.0 and the next with 2.0.0 (one session per version,
``inference.session``).

Each card also says which post-processing its model needs (``"postprocessing"``): how the ear and
the card are looked at again after the full frame, how presence is decided and calibrated, and how
the uncertainty is computed. A card without that block gets the 1.1.0 behaviour.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inference.errors import ModelIntegrityError, ModelUnavailable

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = ("earnet", "1.1.0")


@dataclass(frozen=True)
class Refinement:
    """How one target (the ear, the card) is looked at again after the full-frame pass.

    ``passes`` zoomed passes, each centred on the previous one's landmarks with ``margin`` around
    them. The last pass looks through one crop per ``last_scales`` entry (zoomed out and in) and
    averages them; with ``mirror`` every crop is also averaged with its mirror image. Both are
    test-time augmentation against the crop the previous pass happened to pick.
    """

    margin: float
    passes: int = 2
    last_scales: tuple[float, ...] = (1.0,)
    mirror: bool = True


PRESENCE_RULES = ("full_frame", "full_frame_and_crop")


@dataclass(frozen=True)
class PostProcessing:
    """What a model version needs after the network; defaults are EarNet 1.1.0's.

    ``ear_presence``: ``"full_frame"`` (1.x: the full-frame logit alone) or ``"full_frame_and_crop"``
    (2.x: the zoomed ear crop must say "ear" too; the smaller logit counts). ``presence_scale`` and
    ``presence_bias`` map that logit to a calibrated probability (Platt scaling, fitted on
    calibration renders), compared with ``ear_threshold``; an ear whose landmarks fail the shape
    guards (``plausibility.shape_findings``) needs ``ear_threshold_unshaped`` as well (0: no such
    rule), else it is no ear: look-alikes rarely have an ear's proportions. ``uncertainty``: ``"spread"`` (1.x: a
    per-measurement sigma times the heatmap spread) or ``"calibrated"`` (2.x: per-photo landmark
    and card-scale uncertainty times a per-measurement factor ``z_scale``). ``max_length_rel_sigma``
    (2.1 on): millimetres whose ear-length uncertainty is a larger share of the length are refused
    (``plausibility.uncertainty_findings``); infinite for versions calibrated without it.
    ``card_presence``: ``"full_frame"`` (the full-frame card logit alone) or ``"full_frame_and_crop"``
    (2.1 on: the mean of the full-frame logit and the zoomed card crop's, so the card is always
    refined). ``min_landmark_confidence`` (2.1 on): an ear whose landmarks' mean confidence
    (heatmap sharpness, ``Keypoint.confidence``) is below it is no ear: an ear's landmarks are sharp
    where a look-alike's are diffuse; 0 for versions calibrated without it.
    """

    ear_refinement: Refinement = Refinement(margin=1.55, passes=2, last_scales=(0.9, 1.1))
    card_refinement: Refinement = Refinement(margin=1.42, passes=1, last_scales=(0.9, 1.0, 1.1))
    ear_presence: str = "full_frame"
    presence_scale: float = 1.0
    presence_bias: float = 0.0
    ear_threshold: float = 0.5
    ear_threshold_unshaped: float = 0.0
    min_landmark_confidence: float = 0.0
    card_presence: str = "full_frame"
    card_threshold: float = 0.5
    uncertainty: str = "spread"
    z_scale: tuple[tuple[str, float], ...] = ()
    max_length_rel_sigma: float = math.inf

    def __post_init__(self) -> None:
        # A rule this code does not know would silently run as another: refuse the card instead.
        for what, rule in (("ear", self.ear_presence), ("card", self.card_presence)):
            if rule not in PRESENCE_RULES:
                raise ValueError(f"unknown {what} presence rule {rule!r}, not one of {PRESENCE_RULES}")

    def z(self, measurement: str) -> float:
        return dict(self.z_scale).get(measurement, 1.0)


def _refinement(data: dict[str, Any], default: Refinement) -> Refinement:
    return Refinement(
        margin=float(data.get("margin", default.margin)),
        passes=int(data.get("passes", default.passes)),
        last_scales=tuple(float(x) for x in data.get("last_scales", default.last_scales)),
        mirror=bool(data.get("mirror", default.mirror)),
    )


def postprocessing_from_card(card: dict[str, Any]) -> PostProcessing:
    block = card.get("postprocessing") or {}
    base = PostProcessing()
    presence = block.get("presence", {})
    calibration = card.get("calibration", {})
    chosen = calibration.get("presence", {})
    return PostProcessing(
        ear_refinement=_refinement(block.get("ear_refinement", {}), base.ear_refinement),
        card_refinement=_refinement(block.get("card_refinement", {}), base.card_refinement),
        ear_presence=str(presence.get("ear", base.ear_presence)),
        presence_scale=float(chosen.get("scale", base.presence_scale)),
        presence_bias=float(chosen.get("bias", base.presence_bias)),
        ear_threshold=float(chosen.get("threshold", base.ear_threshold)),
        ear_threshold_unshaped=float(chosen.get("threshold_unshaped", base.ear_threshold_unshaped)),
        min_landmark_confidence=float(chosen.get("min_landmark_confidence", base.min_landmark_confidence)),
        card_presence=str(presence.get("card", base.card_presence)),
        card_threshold=float(presence.get("card_threshold", base.card_threshold)),
        uncertainty=str(block.get("uncertainty", base.uncertainty)),
        z_scale=tuple(sorted((str(k), float(v)) for k, v in calibration.get("z_scale", {}).items())),
        max_length_rel_sigma=float(calibration.get("max_length_rel_sigma") or base.max_length_rel_sigma),
    )


@dataclass(frozen=True)
class ModelSpec:
    name: str
    version: str
    file_name: str
    sha256: str
    directory: Path
    input_name: str
    input_size: int
    output_names: tuple[str, ...]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    keypoint_names: tuple[str, ...]
    ear_keypoints: tuple[str, ...]
    card_keypoints: tuple[str, ...]
    licence: str
    # measurement name -> 1-sigma error in mm, measured on the calibration renders (see card)
    calibration_sigma_mm: tuple[tuple[str, float], ...] = ()
    # typical heatmap spread of a landmark on the calibration renders (input-square units)
    spread_reference: float = 0.02
    postprocessing: PostProcessing = PostProcessing()

    @property
    def path(self) -> Path:
        return self.directory / self.file_name

    @property
    def card_path(self) -> Path:
        return self.directory / f"{self.name}-{self.version}.json"

    @property
    def label(self) -> str:
        return f"{self.name}-{self.version}"

    def sigma_mm(self, measurement: str, default: float = 2.0) -> float:
        return dict(self.calibration_sigma_mm).get(measurement, default)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_model_card(card_path: Path) -> dict[str, Any]:
    """The card as a dict (for the Django side's ModelVersion row: licence, provenance, metrics)."""
    try:
        card = json.loads(card_path.read_text())
    except FileNotFoundError as exc:
        raise ModelUnavailable(f"model card {card_path} not found") from exc
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"model card {card_path} unreadable: {exc}") from exc
    if not isinstance(card, dict):
        raise ModelUnavailable(f"model card {card_path} is not a JSON object")
    return card


def load_spec(card_path: Path, *, verify: bool = True) -> ModelSpec:
    """Load a spec from its card; with ``verify`` (the default) the model file's sha256 must match."""
    card = read_model_card(card_path)
    try:
        contract = card["contract"]
        inp = contract["input"]
        sigma = card.get("calibration", {}).get("sigma_mm", {})
        spec = ModelSpec(
            name=str(card["name"]),
            version=str(card["version"]),
            file_name=str(card["file"]),
            sha256=str(card["sha256"]).lower(),
            directory=card_path.resolve().parent,
            input_name=str(inp["name"]),
            input_size=int(inp["shape"][-1]),
            output_names=tuple(str(n) for n in contract["outputs"]),
            mean=(float(inp["mean"][0]), float(inp["mean"][1]), float(inp["mean"][2])),
            std=(float(inp["std"][0]), float(inp["std"][1]), float(inp["std"][2])),
            keypoint_names=tuple(contract["keypoint_names"]),
            ear_keypoints=tuple(contract["ear_keypoints"]),
            card_keypoints=tuple(contract["card_keypoints"]),
            licence=str(card.get("licence", "")),
            calibration_sigma_mm=tuple(sorted((str(k), float(v)) for k, v in sigma.items())),
            spread_reference=float(card.get("calibration", {}).get("spread_reference", 0.02)),
            postprocessing=postprocessing_from_card(card),
        )
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ModelUnavailable(f"model card {card_path} is missing a field: {exc}") from exc
    if verify:
        verify_model_file(spec)
    return spec


def verify_model_file(spec: ModelSpec) -> None:
    if not spec.path.is_file():
        raise ModelUnavailable(f"model file {spec.path} not found")
    actual = sha256_file(spec.path)
    if actual != spec.sha256:
        raise ModelIntegrityError(f"{spec.path} has sha256 {actual}, its card pins {spec.sha256}: refusing to load it")


def read_verified_model(spec: ModelSpec) -> bytes:
    """The model's bytes, hashed as read, so what is checked is exactly what is run."""
    try:
        data = spec.path.read_bytes()
    except OSError as exc:
        raise ModelUnavailable(f"model file {spec.path} unreadable: {exc}") from exc
    actual = hashlib.sha256(data).hexdigest()
    if actual != spec.sha256:
        raise ModelIntegrityError(f"{spec.path} has sha256 {actual}, its card pins {spec.sha256}: refusing to load it")
    return data


def spec_from_directory(directory: Path, name: str = DEFAULT_MODEL[0], version: str = DEFAULT_MODEL[1]) -> ModelSpec:
    return load_spec(Path(directory) / f"{name}-{version}.json")


def available_versions(directory: Path = MODELS_DIR, name: str = DEFAULT_MODEL[0]) -> tuple[str, ...]:
    """Versions with a card in ``directory``, oldest first (numeric order)."""
    found = [p.stem.removeprefix(f"{name}-") for p in directory.glob(f"{name}-*.json")]
    return tuple(sorted(found, key=lambda v: tuple(int(x) if x.isdigit() else 0 for x in v.split("."))))


@functools.cache
def spec_for_version(version: str, name: str = DEFAULT_MODEL[0], directory: Path = MODELS_DIR) -> ModelSpec:
    """The verified spec of one shipped version, loaded once per process and kept."""
    return load_spec(Path(directory) / f"{name}-{version}.json")


@functools.cache
def default_spec() -> ModelSpec:
    """The active model: ``INFERENCE_MODEL_CARD`` if set, else the one shipped with this release."""
    override = os.environ.get("INFERENCE_MODEL_CARD")
    if override:
        return load_spec(Path(override))
    return spec_from_directory(MODELS_DIR)
