from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from inference import session as session_module
from inference.errors import ModelIntegrityError, ModelUnavailable
from inference.registry import DEFAULT_MODEL, ModelSpec, load_spec, read_model_card, spec_from_directory
from inference.session import clear_sessions, create_session, get_session, threads_from_env


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


def test_shipped_card_is_the_default_version_with_its_targets_met_on_held_out_renders(spec: ModelSpec) -> None:
    card = read_model_card(spec.card_path)
    assert (card["name"], card["version"]) == DEFAULT_MODEL
    assert card["file"] == f"{card['name']}-{card['version']}.onnx"
    assert card["size_bytes"] < 10_000_000
    assert card["metrics"]["seeds"].startswith("1000000..")  # held-out test seeds
    assert card["calibration"]["seeds"].startswith("2000000..")  # never the test seeds
    targets = {k: v for k, v in card["targets"].items() if k != "comment"}
    assert len(targets) == 6
    assert all(v["met"] for v in targets.values()), targets
    assert card["metrics"]["mae_mm"]["ear_length"] == targets["ear_length_mae_mm<=2.0"]["measured"]


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
