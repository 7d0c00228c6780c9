"""The web worker lets an idle worker take a new connection: a busy one waits before accepting."""

from typing import Any

import pytest
from gunicorn.workers.gthread import ThreadWorker

from earfit import gunicorn_worker
from earfit.gunicorn_worker import BUSY_ACCEPT_DELAY, IdleFirstThreadWorker


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Any:
    calls: list[object] = []
    monkeypatch.setattr(ThreadWorker, "accept", lambda self, listener: calls.append("accept"))
    monkeypatch.setattr(ThreadWorker, "enqueue_req", lambda self, conn: calls.append("enqueue"))
    monkeypatch.setattr(ThreadWorker, "finish_request", lambda self, conn, fs: calls.append("finish"))
    monkeypatch.setattr(gunicorn_worker, "sleep", lambda seconds: calls.append(("wait", seconds)))
    instance = object.__new__(IdleFirstThreadWorker)  # no arbiter, no sockets: the accept rule alone
    instance.in_progress = 0
    instance.calls = calls
    return instance


def test_an_idle_worker_accepts_at_once_and_a_busy_one_after_the_delay(worker: Any) -> None:
    worker.accept(listener=None)
    worker.enqueue_req(conn=None)
    assert worker.in_progress == 1
    worker.accept(listener=None)
    worker.finish_request(conn=None, fs=None)
    assert worker.in_progress == 0
    worker.accept(listener=None)
    assert worker.calls == ["accept", "enqueue", ("wait", BUSY_ACCEPT_DELAY), "accept", "finish", "accept"]


def test_gunicorn_runs_this_worker() -> None:
    import runpy
    from pathlib import Path

    config = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert config["worker_class"] == "earfit.gunicorn_worker.IdleFirstThreadWorker"
