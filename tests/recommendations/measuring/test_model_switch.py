"""Activating a model version switches the model running processes use, without a restart.

A gunicorn server (two worker processes) and a Celery worker run beside the test, on the test's
database, photo bucket and Redis (the cache every production process shares). Each measures a
photo with the active version first; the test then activates the other version through the
admin, and the next photo in the server and the next task in the worker are measured by it.
The processes keep the active version for five minutes here, so only the activation's cache
invalidation, not the cache running out, can explain the switch.
"""

import io
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import urllib3
from celery import Celery
from django.core.cache import cache
from django.test import Client

from accounts.audit.models import AuditEvent
from accounts.audit.services import AuditActor
from accounts.models import User
from inference.training.renderer import render_photo
from recommendations.measuring.active import model_version_active
from recommendations.measuring.services import active_model_cache_key, model_version_activate
from recommendations.models import EarPhoto, ModelVersion
from tests.conftest import SPORT_ANSWERS, consent
from tests.earfit.test_celery import REDIS_URL, Worker, _database_url, _wait_for
from tests.production_env import process_group_stop
from tests.s3 import PhotoBucket, S3Server, free_ports, photo_environment

ROOT = Path(__file__).resolve().parents[3]
MODEL_LIST = "/admin/recommendations/modelversion/"


def _photo(seed: int) -> bytes:
    """A rendered ear with a card that both shipped versions measure (in mm) at the stored size."""
    buffer = io.BytesIO()
    render_photo(seed, size=(1024, 768), ear=True, card=True).image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


class Server:
    """gunicorn with the production configuration (gunicorn.conf.py), two worker processes; or
    `runserver`, Django's development server, as `make run` starts it."""

    def __init__(self, *, env: dict[str, str], log: Path, runserver: bool = False) -> None:
        self.port = free_ports(1)[0]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=60))
        gunicorn = ["-m", "gunicorn", "--config", "gunicorn.conf.py", "earfit.wsgi:application"]
        development = ["manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(  # noqa: S603 -- our own interpreter and fixed arguments
            [sys.executable, *(development if runserver else gunicorn)],
            cwd=ROOT,
            env={**env, "PORT": str(self.port), "WEB_CONCURRENCY": "2", "WEB_THREADS": "1"},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> None:
        def up() -> bool:
            try:
                return self.pool.request("GET", f"{self.base}/healthz").status == 200
            except urllib3.exceptions.HTTPError:
                return False

        _wait_for(up, 60, f"gunicorn to serve ({self.log})")

    def fitting(self) -> tuple[str, str]:
        response = self.pool.request(
            "POST",
            f"{self.base}/api/v1/fittings",
            json={"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()},
        )
        assert response.status == 201, response.data
        return response.json()["id"], response.json()["access_token"]

    def upload(self, fitting: tuple[str, str], data: bytes, side: str) -> dict[str, Any]:
        fitting_id, token = fitting
        response = self.pool.request(
            "POST",
            f"{self.base}/api/v1/fittings/{fitting_id}/photos",
            fields={"side": side, "image": ("ear.jpg", data, "image/jpeg")},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status == 201, (response.data, self.log.read_text()[-3000:])
        body: dict[str, Any] = response.json()
        return body

    def stop(self) -> None:
        process_group_stop(self.process)


def _activate_in_admin(version: ModelVersion) -> None:
    admin = User.objects.create_superuser(username=f"operator-{uuid.uuid4().hex[:6]}", password="x" * 16)
    client = Client()
    client.force_login(admin)
    assert client.get(MODEL_LIST).status_code == 200
    response = client.post(MODEL_LIST, {"action": "activate", "_selected_action": [version.pk]}, follow=True)
    assert response.status_code == 200
    assert f"{version} is now the active model".lower() in response.content.decode().lower()


def _environment(s3_server: S3Server, bucket: PhotoBucket, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.test",
        "DATABASE_URL": _database_url(),
        **photo_environment(endpoint=s3_server.endpoint, bucket=bucket.name),
        **more,
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_activation_switches_the_model_of_a_running_server_and_worker_without_restart(
    photo_bucket: PhotoBucket, s3_server: S3Server, tmp_path: Path, settings: Any
) -> None:
    cache_url = REDIS_URL  # the broker's Redis: Celery's keys and the cache's (":1:" prefix) do not meet
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}}
    cache.delete(active_model_cache_key())  # a version an earlier run cached; its database is gone
    queue = f"earfit-test-{uuid.uuid4().hex[:8]}"
    env = _environment(s3_server, photo_bucket, CACHE_URL=cache_url, MODEL_ACTIVE_CACHE_SECONDS="300")
    server = Server(env={**env, "CELERY_BROKER_URL": ""}, log=tmp_path / "gunicorn.log")
    worker = Worker(queue=queue, name=queue, env={**env, "CELERY_BROKER_URL": REDIS_URL}, log=tmp_path / "worker.log")
    sender = Celery(broker=REDIS_URL, set_as_current=False)

    def remeasure_on_worker(photo_id: str, done: int) -> None:
        sender.send_task("recommendations.tasks.ear_photo_remeasure_task", args=[photo_id], queue=queue)
        _wait_for(lambda: worker.output().count("succeeded") == done, 60, f"task {done} on the worker")

    photo = _photo(13)
    try:
        server.wait_ready()
        worker.wait_ready()
        fitting = server.fitting()
        # Before: the server measures with the shipped default (activated on first use), and the
        # worker, asked to re-measure that photo with the active version, finds nothing to do.
        before = server.upload(fitting, photo, "left")
        assert before["model_version"] == "earnet-1.1.0"
        remeasure_on_worker(before["id"], 1)
        assert "earnet-1.1.0: skipped" in worker.output()
        assert model_version_active().label == "earnet-1.1.0"

        _activate_in_admin(ModelVersion.objects.get(name="earnet", version="2.0.0"))

        # After: the next photos on the server (whichever worker process takes them) and the
        # next task on the worker use 2.0.0; no process was restarted.
        after = [server.upload(server.fitting(), photo, side) for side in ("right", "left")]
        assert [a["model_version"] for a in after] == ["earnet-2.0.0", "earnet-2.0.0"]
        assert {EarPhoto.objects.get(pk=a["id"]).geometry["model"] for a in after} == {"earnet-2.0.0"}
        remeasure_on_worker(before["id"], 2)
        assert "earnet-2.0.0: remeasured" in worker.output()
        remeasured = EarPhoto.objects.select_related("model_version").get(pk=before["id"])
        assert str(remeasured.model_version) == "earnet-2.0.0"
        assert remeasured.geometry["model"] == "earnet-2.0.0"

        # And back again, by the ORM's service this time: the same processes follow.
        _activate_in_admin(ModelVersion.objects.get(name="earnet", version="1.1.0"))
        assert server.upload(server.fitting(), photo, "right")["model_version"] == "earnet-1.1.0"
    finally:
        server.stop()
        worker.stop()
    assert worker.process.returncode is not None
    assert server.process.returncode is not None
    activations = AuditEvent.objects.filter(action="model.activated").order_by("seq")
    assert [(e.actor_type, e.payload["from"], e.payload["to"]) for e in activations] == [
        ("system", None, "earnet-1.1.0"),
        ("user", "earnet-1.1.0", "earnet-2.0.0"),
        ("user", "earnet-2.0.0", "earnet-1.1.0"),
    ]
    read = AuditEvent.objects.get(action="photo.remeasured")
    assert read.payload["from"] == "earnet-1.1.0"
    assert read.payload["to"] == "earnet-2.0.0"
    assert read.payload["outcome"] == "remeasured"
    assert read.payload["read_matches_row"] is True


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_activation_reaches_make_runs_server_with_its_own_cache_once_the_cache_runs_out(
    photo_bucket: PhotoBucket, s3_server: S3Server, tmp_path: Path
) -> None:
    """`make run` keeps its cache in its own memory (no Redis): the activation cannot clear it,
    so the server reads the database again after MODEL_ACTIVE_CACHE_SECONDS (1 s here)."""
    env = _environment(s3_server, photo_bucket, CACHE_URL="locmemcache://earfit", MODEL_ACTIVE_CACHE_SECONDS="1")
    server = Server(env={**env, "CELERY_BROKER_URL": ""}, log=tmp_path / "runserver.log", runserver=True)
    photo = _photo(13)
    try:
        server.wait_ready()
        assert server.upload(server.fitting(), photo, "left")["model_version"] == "earnet-1.1.0"
        model_version_activate(
            model_version=ModelVersion.objects.get(name="earnet", version="2.0.0"), actor=AuditActor.system("test")
        )
        time.sleep(1.5)
        assert server.upload(server.fitting(), photo, "left")["model_version"] == "earnet-2.0.0"
    finally:
        server.stop()
