"""gunicorn, configured by gunicorn.conf.py, told to stop while photos are being uploaded: every
upload already under way finishes with its answer, and the server then exits on its own.

ECS stops a task this way: the load balancer stops sending it new requests, then SIGTERM, then
SIGKILL 30 s later. Each upload here has sent its headers and half its photo when SIGTERM
arrives, and the rest a second after.
"""

import http.client
import io
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import urllib3

from inference.training.renderer import render_photo
from recommendations.models import EarPhoto
from tests.conftest import SPORT_ANSWERS, consent
from tests.earfit.test_celery import _database_url, _wait_for
from tests.production_env import gunicorn_start
from tests.s3 import PhotoBucket, S3Server, free_ports, photo_environment

ROOT = Path(__file__).resolve().parents[2]
UPLOADS = 4  # two workers of two threads (WEB_CONCURRENCY, WEB_THREADS): one upload for each


def _gunicorn(*, port: int, bucket: PhotoBucket, s3_server: S3Server, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.test",
        "DATABASE_URL": _database_url(),
        **photo_environment(endpoint=s3_server.endpoint, bucket=bucket.name),
        "CELERY_BROKER_URL": "",
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "2",
    }
    return gunicorn_start(env=env, log=log)


def _fitting(pool: urllib3.PoolManager, base: str) -> tuple[str, str]:
    response = pool.request(
        "POST",
        f"{base}/api/v1/fittings",
        body=json.dumps({"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 201, response.data
    return response.json()["id"], response.json()["access_token"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sigterm_during_uploads_lets_every_upload_in_flight_finish(
    photo_bucket: PhotoBucket, s3_server: S3Server, tmp_path: Path
) -> None:
    port = free_ports(1)[0]
    log = tmp_path / "gunicorn.log"
    server = _gunicorn(port=port, bucket=photo_bucket, s3_server=s3_server, log=log)
    base = f"http://127.0.0.1:{port}"
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=1, read=30))
    photo = io.BytesIO()
    render_photo(11, size=(1024, 768), ear=True, card=True).image.save(photo, "JPEG", quality=92)

    def up() -> bool:
        try:
            return pool.request("GET", f"{base}/healthz").status == 200
        except urllib3.exceptions.HTTPError:
            return False

    halfway = threading.Barrier(UPLOADS + 1)
    answers: list[int | str] = []

    def upload(fitting_id: str, token: str) -> None:
        body, content_type = urllib3.encode_multipart_formdata(
            {"side": "left", "image": ("ear.jpg", photo.getvalue(), "image/jpeg")}
        )
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.putrequest("POST", f"/api/v1/fittings/{fitting_id}/photos")
            conn.putheader("Authorization", f"Bearer {token}")
            conn.putheader("Content-Type", content_type)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders()
            conn.send(body[: len(body) // 2])
            halfway.wait(timeout=30)
            time.sleep(1.0)  # SIGTERM has been sent: the rest of the photo arrives after it
            conn.send(body[len(body) // 2 :])
            answers.append(conn.getresponse().status)
        except Exception as exc:  # noqa: BLE001 -- any failure is what this test counts
            answers.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()

    try:
        _wait_for(up, 60, f"gunicorn to serve ({log})")
        fittings = [_fitting(pool, base) for _ in range(UPLOADS)]
        threads = [threading.Thread(target=upload, args=fitting) for fitting in fittings]
        for thread in threads:
            thread.start()
        halfway.wait(timeout=30)
        time.sleep(0.3)  # the last half-sent request reaches a worker
        signalled = time.monotonic()
        server.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(timeout=60)
        exit_code = server.wait(timeout=30)
        stopped_after = time.monotonic() - signalled
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    assert answers == [201] * UPLOADS, log.read_text()
    assert exit_code == 0
    assert stopped_after < 25  # within gunicorn's graceful_timeout, under ECS's 30 s
    assert EarPhoto.objects.filter(fitting_id__in=[fitting_id for fitting_id, _ in fittings]).count() == UPLOADS
    access = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    uploads = [line for line in access if line.get("event") == "http.request" and line["path"].endswith("/photos")]
    assert [line["status"] for line in uploads] == [201] * UPLOADS
    assert all(len(line["request_id"]) == 32 for line in uploads)  # one generated per request
