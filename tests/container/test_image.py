"""The production image, built and run as ECS runs it: read-only root, only /tmp writable, every
capability dropped, no new privileges, as user 10001, against the loopback PostgreSQL, Redis and
S3 server.

The build goes through `docker/build-image` (what `make image` runs); podman keeps the base image
and the dependency layer between runs, so a rebuild after a code change takes seconds, not minutes.
"""

import functools
import io
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import urllib3
from celery import Celery
from django.db import connection

from inference.training.renderer import render_photo
from tests.conftest import SPORT_ANSWERS, consent
from tests.earfit.test_celery import REDIS_URL
from tests.s3 import ACCESS_KEY, SECRET_KEY, S3Server, free_ports

ROOT = Path(__file__).resolve().parents[2]
ENGINE_ENV = {**os.environ, "CONTAINERS_CONF": str(ROOT / "docker" / "containers.conf")}
# What ECS's task definition asks for, and what the image must work under.
HARDENED = ["--read-only", "--tmpfs", "/tmp", "--cap-drop=ALL", "--security-opt=no-new-privileges", "--network=host"]  # noqa: S108 -- the container's own tmpfs

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]


@functools.cache
def _engine() -> str:
    """docker where a Docker daemon answers, podman otherwise: what docker/build-image decides."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:  # noqa: S603
        return "docker"
    return "podman"


def _run(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- the container engine with arguments of this test's own
        [_engine(), *args], env=ENGINE_ENV, capture_output=True, text=True, timeout=timeout, check=check
    )


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """earfit:<git short sha>, built by the project's script (it installs podman when missing)."""
    sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S607
    tag = f"earfit:{sha.stdout.strip() or 'test'}"
    log = tmp_path_factory.mktemp("image") / "build.log"
    built = subprocess.run(  # noqa: S603 -- the project's own build script
        [str(ROOT / "docker" / "build-image"), "--tag", tag],
        cwd=ROOT,
        env={**ENGINE_ENV, "BUILD_LOG": str(log)},
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    print(built.stdout.strip().splitlines()[-1])  # the timings and size, shown with pytest -s
    return tag


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """An empty PostgreSQL database of this test's own on the suite's server, dropped afterwards."""
    db = connection.settings_dict
    host, port, user = db["HOST"] or "127.0.0.1", db["PORT"] or 5432, db["USER"] or "postgres"
    server = psycopg.conninfo.make_conninfo(host=host, port=port, user=user, password=db["PASSWORD"] or None)
    name = f"earfit_container_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(server, dbname="postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Container:
    name: str

    def logs(self) -> str:
        result = _run("logs", self.name, check=False)
        return result.stdout + result.stderr

    def json_lines(self) -> list[dict[str, Any]]:
        lines = []
        for line in self.logs().splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
        return lines

    def stop(self) -> tuple[int, float]:
        """SIGTERM, then up to 30 s (ECS's stop timeout) before SIGKILL; the exit code and seconds."""
        started = time.monotonic()
        _run("stop", "--time", "30", self.name, timeout=60)
        seconds = time.monotonic() - started
        code = _run("inspect", "--format", "{{.State.ExitCode}}", self.name).stdout.strip()
        return int(code), seconds


@pytest.fixture
def run_detached(image: str) -> Iterator[Any]:
    started: list[str] = []

    def _start(env: dict[str, str], *command: str) -> Container:
        name = f"earfit-test-{uuid.uuid4().hex[:8]}"
        flags = [item for key, value in env.items() for item in ("--env", f"{key}={value}")]
        _run("run", "--detach", "--name", name, *HARDENED, *flags, image, *command)
        started.append(name)
        return Container(name)

    yield _start
    for name in started:
        _run("rm", "--force", "--time", "5", name, check=False)


@pytest.fixture(scope="module")
def environment(database: str, s3_server: S3Server) -> dict[str, str]:
    """The container's environment as the task definition gives it, pointed at loopback servers."""
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    s3_server.create_bucket(bucket)
    return {
        "DJANGO_SECRET_KEY": "container-test-" + uuid.uuid4().hex * 2,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database,
        "CELERY_BROKER_URL": REDIS_URL,
        "CACHE_URL": REDIS_URL,
        "PHOTO_STORAGE": "s3",
        "PHOTO_S3_BUCKET": bucket,
        "PHOTO_S3_REGION": "us-east-1",
        "PHOTO_S3_ENDPOINT_URL": s3_server.endpoint,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "TRUSTED_PROXY_COUNT": "0",  # no proxy in front here
        "LOG_LEVEL": "INFO",
    }


def _container_run(
    image: str, env: dict[str, str], *command: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    flags = [item for key, value in env.items() for item in ("--env", f"{key}={value}")]
    return _run("run", "--rm", *HARDENED, *flags, image, *command, timeout=timeout, check=False)


@pytest.fixture(scope="module")
def migrated(image: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The first `migrate` on the empty database (the tests below share it)."""
    return _container_run(image, environment, "migrate")


def _wait_for(predicate: Any, timeout: float, what: str, logs: Any = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f"\n{logs()}" if logs else ""))
        time.sleep(0.3)


def test_image_runs_as_user_10001_without_compilers_or_package_lists(image: str) -> None:
    assert _run("image", "inspect", "--format", "{{.Config.User}}", image).stdout.strip() == "10001:10001"
    probe = _run(
        "run", "--rm", *HARDENED, "--entrypoint", "sh", image, "-c",
        "id -u; command -v gcc cc c++ make >/dev/null && echo has-compiler; "
        "ls -A /var/lib/apt/lists /var/cache/apt/archives /tmp/.cache/pip 2>/dev/null | grep -v -e ':$' -e '^partial$' -e '^lock$' | grep -c . ; "
        "touch /app/x 2>/dev/null && echo root-writable; touch /tmp/x && echo tmp-writable",
    )  # fmt: skip
    assert probe.stdout.split() == ["10001", "0", "tmp-writable"], probe.stdout + probe.stderr


def test_migrate_without_a_database_gives_up_after_its_bound_and_fails(image: str, environment: dict[str, str]) -> None:
    nowhere = f"postgres://postgres@127.0.0.1:{free_ports(1)[0]}/earfit"
    started = time.monotonic()
    result = _container_run(image, {**environment, "DATABASE_URL": nowhere, "DATABASE_WAIT_SECONDS": "3"}, "migrate")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "wait_for_database: no database after 3 s" in result.stderr
    assert time.monotonic() - started < 30


def test_migrate_twice_then_web_serves_a_fitting_with_a_photo_and_stops_cleanly_on_sigterm(
    image: str, environment: dict[str, str], migrated: subprocess.CompletedProcess[str], run_detached: Any
) -> None:
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert "Applying recommendations.0001_initial... OK" in migrated.stdout
    second = _container_run(image, environment, "migrate")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "No migrations to apply" in second.stdout

    port = free_ports(1)[0]
    web = run_detached({**environment, "PORT": str(port)}, "web")
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=60))
    base = f"http://127.0.0.1:{port}"
    # TLS ends at the load balancer, which says so in X-Forwarded-Proto.
    headers = {"X-Forwarded-Proto": "https", "Host": "localhost"}

    def healthy() -> bool:
        try:
            return http.request("GET", f"{base}/healthz").status == 200
        except urllib3.exceptions.HTTPError:
            return False

    _wait_for(healthy, 90, "/healthz", logs=web.logs)
    ready = http.request("GET", f"{base}/readyz", headers=headers)
    assert ready.status == 200, ready.data
    assert ready.json()["failed"] == []
    assert {check["status"] for check in ready.json()["checks"].values()} == {"ok"}

    admin = http.request("GET", f"{base}/admin/login/", headers=headers)
    assert admin.status == 200  # static files collected at build time: the admin renders
    assert b"/static/admin/css/base." in admin.data

    created = http.request(
        "POST",
        f"{base}/api/v1/fittings",
        body=json.dumps({"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}),
        headers={**headers, "Content-Type": "application/json", "X-Request-ID": "container-test-fitting"},
    )
    assert created.status == 201, created.data
    fitting_id, token = created.json()["id"], created.json()["access_token"]
    photo = io.BytesIO()
    render_photo(11, size=(1024, 768), ear=True, card=True).image.save(photo, "JPEG", quality=92)
    owner = {**headers, "Authorization": f"Bearer {token}"}
    uploaded = http.request(
        "POST",
        f"{base}/api/v1/fittings/{fitting_id}/photos",
        fields={"side": "left", "image": ("ear.jpg", photo.getvalue(), "image/jpeg")},
        headers=owner,
    )
    assert uploaded.status == 201, uploaded.data
    assert uploaded.json()["measurements"]
    recommendation = http.request("GET", f"{base}/api/v1/fittings/{fitting_id}/recommendation", headers=owner)
    assert recommendation.status == 200, recommendation.data

    code, seconds = web.stop()
    assert code == 0, web.logs()
    assert seconds < 25, f"took {seconds:.1f} s to stop"
    lines = web.json_lines()
    access = [line for line in lines if line.get("event") == "http.request"]
    fitting_line = next(line for line in access if line["request_id"] == "container-test-fitting")
    assert (fitting_line["method"], fitting_line["path"], fitting_line["status"]) == ("POST", "/api/v1/fittings", 201)
    assert any("Shutting down" in line["message"] for line in lines)


def test_worker_consumes_a_task_and_beat_keeps_its_schedule_under_tmp(
    image: str, environment: dict[str, str], migrated: subprocess.CompletedProcess[str], run_detached: Any
) -> None:
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    queue = f"earfit-container-{uuid.uuid4().hex[:8]}"
    worker = run_detached(environment, "worker", "--queues", queue, "--concurrency", "1")
    _wait_for(lambda: " ready." in worker.logs(), 90, "the worker to start", logs=worker.logs)

    sender = Celery(broker=REDIS_URL, set_as_current=False)
    sender.send_task("recommendations.tasks.fitting_rescore_task", args=[str(uuid.uuid4())], queue=queue)
    sender.close()
    _wait_for(lambda: "succeeded" in worker.logs(), 60, "the worker to run the task", logs=worker.logs)

    beat = run_detached(environment, "beat")
    _wait_for(lambda: "beat: Starting" in beat.logs(), 60, "beat to start", logs=beat.logs)
    time.sleep(2)  # beat writes its schedule once it has started ticking
    code, _ = beat.stop()
    assert code == 0, beat.logs()
    beat_logs = beat.logs()
    assert "Permission denied" not in beat_logs
    assert "Read-only file system" not in beat_logs

    code, _ = worker.stop()
    assert code == 0, worker.logs()
    assert "Unrecoverable error" not in worker.logs()
