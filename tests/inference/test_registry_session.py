from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from inference import session as session_module
from inference.errors import ModelIntegrityError, ModelUnavailable
from inference.keypoints import MEASUREMENTS
from inference.predict import analyse_photo
from inference.registry import (
    ModelSpec,
    available_versions,
    load_spec,
    read_model_card,
    spec_for_version,
    spec_from_directory,
)
from inference.session import clear_sessions, create_session, get_session, threads_from_env
from inference.training.evaluate import targets
from inference.training.renderer import render_photo


@pytest.fixture
def tampered_dir(tmp_path: Path, spec: ModelSpec) -> Path:
    shutil.copy(spec.card_path, tmp_path / spec.card_path.name)
    data = bytearray(spec.path.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit in the weights
    (tmp_path / spec.file_name).write_bytes(bytes(data))
    return tmp_path


def test_shipped_model_matches_its_card(spec: ModelSpec) -> None:
    assert spec.path.is_file()
    assert spec.path.stat().st_size < 10 * 1024 * 1024
    assert load_spec(spec.card_path) == spec


def test_tampered_model_file_is_refused_at_load(tampered_dir: Path, spec: ModelSpec) -> None:
    with pytest.raises(ModelIntegrityError):
        spec_from_directory(tampered_dir, spec.name, spec.version)


def test_tampered_model_file_is_refused_by_the_session(tampered_dir: Path, spec: ModelSpec) -> None:
    unverified = load_spec(tampered_dir / spec.card_path.name, verify=False)
    with pytest.raises(ModelIntegrityError):
        create_session(unverified)


def test_missing_model_is_unavailable(tmp_path: Path, spec: ModelSpec) -> None:
    with pytest.raises(ModelUnavailable):
        spec_from_directory(tmp_path, spec.name, spec.version)
    shutil.copy(spec.card_path, tmp_path / spec.card_path.name)
    with pytest.raises(ModelUnavailable):
        spec_from_directory(tmp_path, spec.name, spec.version)


def test_model_card_says_accuracy_is_unvalidated_and_how_to_validate(spec: ModelSpec) -> None:
    card = read_model_card(spec.card_path)
    for key in ("name", "version", "sha256", "licence", "training_data", "metrics", "contract", "intended_use"):
        assert key in card
    text = " ".join(card["limitations"])
    assert "UNVALIDATED" in text
    assert "Bland-Altman" in card["validation_plan"]
    assert "caliper" in card["validation_plan"]


def test_the_2_0_card_holds_its_own_evaluation_on_seeds_never_used_for_calibration() -> None:
    """The card's metrics are evaluate_model's output: targets recomputed from them agree."""
    card = read_model_card(spec_for_version("2.0.0").card_path)
    assert card["file"] == f"{card['name']}-{card['version']}.onnx"
    assert card["size_bytes"] < 10_000_000
    metrics = card["metrics"]
    assert metrics["seeds"].startswith("1000000..")  # held-out test seeds
    assert card["calibration"]["seeds"].startswith("2000000..")  # never the test seeds
    assert card["training_data"]["seeds"].startswith("0..")
    assert card["targets"] == json.loads(json.dumps(targets(metrics)))
    assert metrics["negative_set"]["photos"] >= 100
    assert metrics["mae_mm"]["ear_length"]["n"] >= 100
    low, high = metrics["mae_mm"]["ear_length"]["ci95"]
    assert low <= metrics["mae_mm"]["ear_length"]["value"] <= high
    assert "NOT validated" in metrics["note"]


def test_session_is_created_once_per_process(spec: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_sessions()
    made: list[object] = []
    real = session_module.create_session

    def counting(s: ModelSpec, *, threads: int | None = None) -> object:
        made.append(s)
        return real(s, threads=threads)

    monkeypatch.setattr(session_module, "create_session", counting)
    first = get_session(spec)
    assert get_session(spec) is first
    assert len(made) == 1
    assert first.get_providers() == ["CPUExecutionProvider"]


def test_session_is_recreated_when_the_pid_changes(spec: ModelSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_sessions()
    parent = get_session(spec)
    fake_pid = os.getpid() + 1
    monkeypatch.setattr(os, "getpid", lambda: fake_pid)  # as a forked child sees it
    child = get_session(spec)
    assert child is not parent
    assert get_session(spec) is child
    assert session_module.session_pid(spec) == fake_pid


def test_forked_child_builds_its_own_session(spec: ModelSpec) -> None:
    clear_sessions()
    parent = get_session(spec)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            ok = get_session(spec) is not parent and session_module.session_pid(spec) == os.getpid()
            os.write(write_end, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert get_session(spec) is parent


def test_threads_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INFERENCE_THREADS", raising=False)
    assert threads_from_env() == 1
    monkeypatch.setenv("INFERENCE_THREADS", "2")
    assert threads_from_env() == 2
    monkeypatch.setenv("INFERENCE_THREADS", "lots")
    assert threads_from_env() == 1


def test_every_shipped_version_loads_with_the_post_processing_its_card_names() -> None:
    versions = available_versions()
    assert {"1.1.0", "2.0.0"} <= set(versions)
    old, new = spec_for_version("1.1.0"), spec_for_version("2.0.0")
    assert old.postprocessing.ear_presence == "full_frame"
    assert old.postprocessing.uncertainty == "spread"
    assert new.postprocessing.ear_presence == "full_frame_and_crop"
    assert new.postprocessing.uncertainty == "calibrated"
    assert set(dict(new.postprocessing.z_scale)) == set(MEASUREMENTS)
    assert spec_for_version("2.0.0") is new  # loaded once per process


@pytest.mark.parametrize(("rule", "value"), [("ear", "all_of_them"), ("card", "every_view")])
def test_a_card_naming_a_presence_rule_this_code_does_not_know_is_refused(
    tmp_path: Path, rule: str, value: str
) -> None:
    source = spec_for_version("2.1.0").card_path
    card = json.loads(source.read_text())
    card["postprocessing"]["presence"][rule] = value
    (tmp_path / source.name).write_text(json.dumps(card))
    with pytest.raises(ModelUnavailable, match=f"unknown {rule} presence rule '{value}'"):
        load_spec(tmp_path / source.name, verify=False)


def test_two_versions_hold_two_sessions_in_one_process_and_analyse_by_name() -> None:
    clear_sessions()
    old, new = spec_for_version("1.1.0"), spec_for_version("2.0.0")
    assert get_session(old) is not get_session(new)
    assert get_session(old) is get_session(old)
    image = render_photo(1_000_101, size=(640, 480), ear=True, card=True).image
    assert analyse_photo(image, version="1.1.0").model == "earnet-1.1.0"
    assert analyse_photo(image, version="2.0.0").model == "earnet-2.0.0"
    assert analyse_photo(image, spec=old).model == "earnet-1.1.0"
    assert session_module.session_pid(old) == session_module.session_pid(new) == os.getpid()


def test_a_forked_child_builds_its_own_session_for_each_version() -> None:
    clear_sessions()
    old, new = spec_for_version("1.1.0"), spec_for_version("2.0.0")
    parents = (get_session(old), get_session(new))
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            mine = (get_session(old), get_session(new))
            ok = all(c is not p for c, p in zip(mine, parents, strict=True)) and mine[0] is not mine[1]
            os.write(write_end, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write_end)
    answer = os.read(read_end, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert (get_session(old), get_session(new)) == parents
