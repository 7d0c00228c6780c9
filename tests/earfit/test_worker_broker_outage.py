"""A real Celery worker outlives its broker: Redis stops and starts again under it, and work goes on."""

import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from celery import Celery

from tests.earfit.test_celery import Worker, _database_url, _wait_for
from tests.s3 import free_ports


class RedisServer:
    """A redis-server of this test's own on a fixed free port, stopped and started by its pid."""

    def __init__(self, *, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.starts += 1
        log = self.directory / f"redis-{self.starts}.log"
        self.process = subprocess.Popen(  # noqa: S603 -- fixed arguments
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607 -- the machine's redis-server
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_for(lambda: "Ready to accept connections" in log.read_text(), 10, "redis to start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)


def _send_rescore(broker_url: str, *, queue: str, countdown: int | None = None) -> None:
    """A re-rank of a fitting that does not exist: the task runs, finds nothing, and succeeds."""
    sender = Celery(broker=broker_url, set_as_current=False)
    sender.send_task(
        "recommendations.tasks.fitting_rescore_task", args=[str(uuid.uuid4())], queue=queue, countdown=countdown
    )
    sender.close()


@pytest.mark.slow
@pytest.mark.django_db  # the worker reads the test database; this test writes nothing to it
def test_worker_holding_unacked_tasks_reconnects_after_redis_restarts_and_runs_new_work(tmp_path: Path) -> None:
    redis = RedisServer(port=free_ports(1)[0], directory=tmp_path)
    redis.start()
    queue = f"earfit-outage-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis.url,
    }
    worker = Worker(queue=queue, name=queue, env=env, log=tmp_path / "worker.log")
    try:
        worker.wait_ready()
        # Tasks waiting for their time (as retries in backoff do) stay unacknowledged in the worker
        # while it goes on polling Redis: the state in which an outage used to stop it.
        for _ in range(4):
            _send_rescore(redis.url, queue=queue, countdown=600)
        _wait_for(lambda: worker.output().count("received") == 4, 30, "the worker to hold the delayed tasks")

        redis.stop()
        _wait_for(lambda: "Connection to broker lost" in worker.output(), 30, "the worker to see the outage")
        _wait_for(lambda: "Cannot connect to" in worker.output(), 30, "a reconnection attempt during the outage")
        assert worker.process.poll() is None, worker.output()

        redis.start()
        _wait_for(lambda: worker.output().count("Connected to") >= 2, 60, "the worker to reconnect")
        _send_rescore(redis.url, queue=queue)
        _wait_for(lambda: "succeeded" in worker.output(), 30, "a task queued after the outage to run")
    finally:
        worker.stop()
        redis.stop()

    output = worker.output()
    assert "Restoring 4 unacknowledged message(s)" in output
    assert "Unrecoverable error" not in output
    assert output.count("succeeded") == 1
