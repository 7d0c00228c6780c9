"""One onnxruntime session per process and model, created lazily — after any fork.

Gunicorn and Celery fork workers from a parent; a session created in the parent would be shared
in a state onnxruntime does not support after ``fork()``. So sessions are created on first use
and remembered with the pid that created them: a child that inherits the cache sees another pid
and builds its own. Threads default to 1 (``INFERENCE_THREADS``) so workers x threads <= cores.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

import onnxruntime as ort

from inference.errors import ModelUnavailable
from inference.registry import ModelSpec, read_verified_model

PROVIDERS = ["CPUExecutionProvider"]


@dataclass(frozen=True)
class _Entry:
    pid: int
    session: ort.InferenceSession


_lock = threading.Lock()
_sessions: dict[str, _Entry] = {}


def threads_from_env(default: int = 1) -> int:
    raw = os.environ.get("INFERENCE_THREADS", "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return max(1, value)


def create_session(spec: ModelSpec, *, threads: int | None = None) -> ort.InferenceSession:
    """A new session for ``spec`` (checksum verified on the bytes it runs), CPU only."""
    n = threads if threads is not None else threads_from_env()
    options = ort.SessionOptions()
    options.intra_op_num_threads = n
    options.inter_op_num_threads = 1 if n == 1 else n
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    model = read_verified_model(spec)
    try:
        return ort.InferenceSession(model, sess_options=options, providers=PROVIDERS)
    except Exception as exc:  # onnxruntime raises its own exception types; all mean "cannot run"
        raise ModelUnavailable(f"onnxruntime cannot load {spec.label}: {exc}") from exc


def get_session(spec: ModelSpec, *, threads: int | None = None) -> ort.InferenceSession:
    """The process's session for ``spec``; created on first use and again after a fork."""
    key = f"{spec.sha256}:{spec.path}"
    pid = os.getpid()
    entry = _sessions.get(key)
    if entry is not None and entry.pid == pid:
        return entry.session
    with _lock:
        entry = _sessions.get(key)
        if entry is None or entry.pid != pid:
            entry = _Entry(pid, create_session(spec, threads=threads))
            _sessions[key] = entry
        return entry.session


def clear_sessions() -> None:
    """Forget every cached session (tests; an operator activating another model)."""
    with _lock:
        _sessions.clear()


def session_pid(spec: ModelSpec) -> int | None:
    entry = _sessions.get(f"{spec.sha256}:{spec.path}")
    return entry.pid if entry else None
