import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from earfit import readiness
from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_answers_before_host_validation_and_without_the_database() -> None:
    # No django_db mark: any database query here would fail the test.
    response = Client(HTTP_HOST="10.0.3.17").get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_other_paths_still_validate_the_host() -> None:
    response = Client(HTTP_HOST="evil.example").get("/api/v1/questionnaire")
    assert response.status_code == 400


@pytest.mark.django_db
def test_readyz_is_200_when_the_database_answers() -> None:
    response = APIClient().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_readyz_is_503_with_the_database_stopped(database_down: None) -> None:
    response = APIClient().get("/readyz")
    assert response.status_code == 503
    assert response.json()["status"] == "not_ready"
    assert response.json()["checks"]["database"]["status"] == "failed"
    assert response.json()["checks"]["database"]["reason"].startswith("OperationalError")
    assert "database" in response.json()["failed"]
    assert int(response["Retry-After"]) > 0


def test_request_id_is_echoed_or_made() -> None:
    client = Client()
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-req").status_code == 200
    made = client.get("/api/v1/nothing")
    assert len(made["X-Request-ID"]) == 32
    given = client.get("/api/v1/nothing", HTTP_X_REQUEST_ID="client-req-0001")
    assert given["X-Request-ID"] == "client-req-0001"


def manage_with_production_settings(*args: str) -> subprocess.CompletedProcess[str]:
    excluded = {"DJANGO_ALLOW_ASYNC_UNSAFE", "TRUSTED_PROXY_COUNT"}
    with production_environment(DJANGO_SETTINGS_MODULE="earfit.settings.production") as env:
        env = {k: v for k, v in env.items() if k not in excluded}
        return subprocess.run(  # noqa: S603 -- our own manage.py with the test's arguments
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )


def test_check_deploy_with_production_settings_prints_no_warnings() -> None:
    result = manage_with_production_settings("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_reads_the_client_behind_cloudfront_and_the_alb() -> None:
    """Two proxies append to X-Forwarded-For in AWS; the throttles and the lockout both know it."""
    shown = "from django.conf import settings as s; print(s.TRUSTED_PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'], s.AXES_CLIENT_IP_CALLABLE)"
    result = manage_with_production_settings("shell", "--no-imports", "-c", shown)
    assert result.returncode == 0, result.stderr
    # The last line: production's JSON log lines go to stdout too.
    assert result.stdout.splitlines()[-1].split() == ["2", "2", "earfit.client_ip.client_ip"]


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SECRET_KEY"}}
    env.update({"DJANGO_SETTINGS_MODULE": "earfit.settings.production", "DJANGO_ALLOWED_HOSTS": "x"})
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_readyz_runs_what_the_apps_registered_in_order(photo_bucket: Any) -> None:
    response = APIClient().get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ready"
    assert body["failed"] == []
    assert list(body["checks"]) == ["database", "cache", "storage", "broker", "model"]
    assert {check["status"] for check in body["checks"].values()} == {"ok"}
    assert all(isinstance(check["ms"], int) for check in body["checks"].values())


@pytest.mark.django_db
def test_a_registered_probe_that_fails_makes_readyz_503(monkeypatch: pytest.MonkeyPatch, photo_bucket: Any) -> None:
    def down() -> None:
        raise ConnectionError("no answer")

    probes = {**readiness._probes}
    monkeypatch.setattr(readiness, "_probes", probes)
    readiness.readiness_check_register(name="search_index", probe=down)
    response = APIClient().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "cache": "ok",
        "storage": "ok",
        "broker": "ok",
        "model": "ok",
        "search_index": "failed",
    }
    assert checks["search_index"]["reason"] == "ConnectionError: no answer"
    assert response.json()["failed"] == ["search_index"]


@pytest.mark.django_db
def test_readyz_runs_its_checks_at_once_each_with_its_own_bound(
    monkeypatch: pytest.MonkeyPatch, photo_bucket: Any, settings: Any
) -> None:
    """Two silent dependencies cost one check's bound, not two, and the rest still report."""
    assert APIClient().get("/readyz").status_code == 200  # the storage client is built once, here
    settings.READINESS_CHECK_TIMEOUT_SECONDS = 1.0
    release = threading.Event()

    def silent() -> None:
        release.wait(10)

    probes = {**readiness._probes}
    monkeypatch.setattr(readiness, "_probes", probes)
    readiness.readiness_check_register(name="silent_one", probe=silent)
    readiness.readiness_check_register(name="silent_two", probe=silent)
    try:
        started = time.monotonic()
        response = APIClient().get("/readyz")
        elapsed = time.monotonic() - started
    finally:
        release.set()
    assert response.status_code == 503
    assert elapsed < 2.5, elapsed
    body = response.json()
    assert body["failed"] == ["silent_one", "silent_two"]
    assert body["checks"]["silent_one"]["reason"] == "no answer within 1 s"
    assert body["checks"]["silent_one"]["ms"] >= 1000
    assert body["checks"]["database"]["status"] == "ok"
    assert int(response["Retry-After"]) > 0
