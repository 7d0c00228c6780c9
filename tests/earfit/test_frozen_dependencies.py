"""A real gunicorn on production settings, with each of its dependencies frozen in turn.

Frozen: SIGSTOP of a server this test started (a throwaway PostgreSQL cluster, a private Redis for
the cache and the broker, the session's own S3 server). Its kernel still accepts and acknowledges,
its process answers nothing: the slow dependency the request time budget exists for. While it is
frozen every request (a photo upload, a fitting read, /readyz) answers 503 with Retry-After in the
one error shape, within that dependency's part of the budget (README "The request time budget");
after SIGCONT the same gunicorn processes serve again, no restart.
"""

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from django.conf import settings

from inference.training.renderer import render_photo
from tests.conftest import SPORT_ANSWERS, consent
from tests.earfit.test_celery import _wait_for
from tests.frozen import PrivatePostgres, PrivateRedis, children_of, frozen
from tests.production_env import gunicorn_start, production_environment
from tests.s3 import S3Server, free_ports, photo_environment

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SLACK_SECONDS = 3.0  # a loaded CI machine: scheduling, the 503's own work


def _part(dependency: str) -> float:
    """The seconds the budget gives one dependency (settings.REQUEST_BUDGET_PARTS), plus slack."""
    parts = {part.dependency: part.seconds for part in settings.REQUEST_BUDGET_PARTS}
    return parts[dependency] + SLACK_SECONDS


@dataclass
class Served:
    base: str
    server: subprocess.Popen[bytes]
    log: Path
    pool: urllib3.PoolManager
    postgres: PrivatePostgres
    redis: PrivateRedis
    s3: S3Server
    photo: bytes

    def request(self, method: str, path: str, **kwargs: object) -> tuple[urllib3.BaseHTTPResponse, float]:
        started = time.monotonic()
        response = self.pool.request(method, f"{self.base}{path}", **kwargs)  # type: ignore[arg-type]
        return response, time.monotonic() - started

    def fitting(self) -> tuple[str, str]:
        body = json.dumps({"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()})
        response, _ = self.request("POST", "/api/v1/fittings", body=body, headers={"Content-Type": "application/json"})
        assert response.status == 201, response.data
        return response.json()["id"], response.json()["access_token"]

    def upload(self, fitting_id: str, token: str) -> tuple[urllib3.BaseHTTPResponse, float]:
        return self.request(
            "POST",
            f"/api/v1/fittings/{fitting_id}/photos",
            fields={"side": "left", "image": ("ear.jpg", self.photo, "image/jpeg")},
            headers={"Authorization": f"Bearer {token}"},
        )

    def read(self, fitting_id: str, token: str) -> tuple[urllib3.BaseHTTPResponse, float]:
        return self.request("GET", f"/api/v1/fittings/{fitting_id}", headers={"Authorization": f"Bearer {token}"})

    def processes(self) -> list[int]:
        """gunicorn's master and its workers: the same list after a thaw means nothing restarted."""
        return [self.server.pid, *sorted(children_of(self.server.pid))]


def _assert_unavailable(response: urllib3.BaseHTTPResponse, dependency: str) -> None:
    assert response.status == 503, response.data
    assert int(response.headers["Retry-After"]) > 0
    assert response.json() == {
        "message": "The service is briefly unavailable. Please try again in a moment.",
        "code": "service_unavailable",
        "extra": {"dependency": dependency},
    }


def _assert_not_ready(response: urllib3.BaseHTTPResponse, seconds: float, failed: list[str]) -> None:
    assert seconds < settings.READINESS_CHECK_TIMEOUT_SECONDS + SLACK_SECONDS, seconds
    assert response.status == 503, response.data
    assert int(response.headers["Retry-After"]) > 0
    # The model check reads the active version through the cache, else the database: it may fail
    # with them (unless the cache still holds the version), and never fails alone here.
    reported = response.json()["failed"]
    assert set(failed) <= set(reported) <= {*failed, "model"}, reported
    for name in failed:
        assert response.json()["checks"][name]["status"] == "failed"


def _assert_recovered(served: Served, before: list[int]) -> None:
    """After the thaw the dependency answers again through the same processes."""
    assert served.request("GET", "/readyz")[0].status == 200
    assert served.processes() == before


@pytest.fixture(scope="module")
def served(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    postgres = PrivatePostgres().start()
    redis = PrivateRedis().start()
    bucket = "earfit-photos-frozen"
    s3_server.create_bucket(bucket)
    log = tmp_path_factory.mktemp("frozen") / "gunicorn.log"
    port = free_ports(1)[0]
    overrides = {
        "DJANGO_SETTINGS_MODULE": "earfit.settings.production",
        "DATABASE_URL": postgres.url,
        "CACHE_URL": redis.url(1),
        "CELERY_BROKER_URL": redis.url(0),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "TRUSTED_PROXY_COUNT": "0",
        **photo_environment(endpoint=s3_server.endpoint, bucket=bucket),
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "4",
    }
    server = None
    try:
        with production_environment(inherit=True, **overrides) as env:
            # The budget's own values: nothing the test runner set may shorten or lengthen them.
            env = {k: v for k, v in env.items() if not k.endswith(("_TIMEOUT", "_ATTEMPTS", "BUDGET_SECONDS"))}
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input"],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            server = gunicorn_start(env=env, log=log)
            pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=90))
            photo = io.BytesIO()
            render_photo(11, size=(1024, 768), ear=True, card=True).image.save(photo, "JPEG", quality=92)
            served = Served(f"http://127.0.0.1:{port}", server, log, pool, postgres, redis, s3_server, photo.getvalue())

            def ready() -> bool:
                try:
                    return served.request("GET", "/readyz")[0].status == 200
                except urllib3.exceptions.HTTPError:
                    return False

            _wait_for(ready, 90, f"gunicorn to be ready ({log})")
            yield served
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
        redis.stop()
        postgres.stop()


def test_with_s3_frozen_uploads_and_readyz_answer_503_in_budget_and_recover(served: Served) -> None:
    fitting_id, token = served.fitting()
    upload, measuring_seconds = served.upload(fitting_id, token)  # also loads the model, once
    assert upload.status == 201, upload.data
    before = served.processes()
    assert served.s3.process is not None
    with frozen([served.s3.process.pid]):
        upload, upload_seconds = served.upload(fitting_id, token)
        read, read_seconds = served.read(fitting_id, token)
        ready, ready_seconds = served.request("GET", "/readyz")
    _assert_unavailable(upload, "storage")
    # Measuring the photo comes first and costs what it costs; the wait on S3 is bounded.
    assert upload_seconds < measuring_seconds + _part("storage (S3)"), (upload_seconds, measuring_seconds)
    assert read.status == 200  # a fitting read needs no S3 call
    assert read_seconds < SLACK_SECONDS
    _assert_not_ready(ready, ready_seconds, ["storage"])
    print(
        f"S3 frozen: upload 503 in {upload_seconds:.1f} s ({measuring_seconds:.1f} s measuring), readyz in {ready_seconds:.1f} s"
    )

    upload, _ = served.upload(fitting_id, token)
    assert upload.status == 201, upload.data
    _assert_recovered(served, before)


def test_with_postgres_frozen_every_request_answers_503_in_budget_and_recovers(served: Served) -> None:
    fitting_id, token = served.fitting()
    assert served.read(fitting_id, token)[0].status == 200  # the worker's kept connection is open
    before = served.processes()
    with frozen(served.postgres.pids()):
        read, read_seconds = served.read(fitting_id, token)
        upload, upload_seconds = served.upload(fitting_id, token)
        ready, ready_seconds = served.request("GET", "/readyz")
    _assert_unavailable(read, "database")
    assert read_seconds < _part("database"), read_seconds
    _assert_unavailable(upload, "database")
    assert upload_seconds < _part("database"), upload_seconds
    _assert_not_ready(ready, ready_seconds, ["database"])
    print(
        f"PostgreSQL frozen: read 503 in {read_seconds:.1f} s, upload {upload_seconds:.1f} s, readyz {ready_seconds:.1f} s"
    )

    read, _ = served.read(fitting_id, token)
    assert read.status == 200, read.data
    _assert_recovered(served, before)


def test_with_redis_frozen_requests_answer_503_in_budget_and_recover(served: Served) -> None:
    """Redis holds the throttle counters (the cache) and the broker's queues."""
    fitting_id, token = served.fitting()
    before = served.processes()
    body = json.dumps({"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()})
    with frozen(served.redis.pids()):
        create, create_seconds = served.request(
            "POST", "/api/v1/fittings", body=body, headers={"Content-Type": "application/json"}
        )
        ready, ready_seconds = served.request("GET", "/readyz")
    _assert_unavailable(create, "cache")
    assert create_seconds < _part("cache (Redis)"), create_seconds
    _assert_not_ready(ready, ready_seconds, ["cache", "broker"])
    print(f"Redis frozen: create 503 in {create_seconds:.1f} s, readyz {ready_seconds:.1f} s")

    assert served.fitting()
    assert served.read(fitting_id, token)[0].status == 200
    _assert_recovered(served, before)
