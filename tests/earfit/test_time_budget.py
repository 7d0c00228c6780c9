"""The request time budget as configured: its parts, their sum, and what each dependency is given."""

import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "from django.conf import settings as s; o = s.DATABASES['default']['OPTIONS']; "
    "print(s.DATABASES['default']['ENGINE'], o['options'], o['read_timeout'], o['tcp_user_timeout'], o['keepalives']); "
    "print(s.CACHES['default']['OPTIONS']['socket_timeout'], s.CACHES['default']['OPTIONS']['retry'].get_retries()); "
    "print(s.STORAGES['photos']['OPTIONS']['object_parameters'])"
)


def _production_shell(command: str, **extra: str) -> subprocess.CompletedProcess[str]:
    with production_environment(inherit=True, DJANGO_SETTINGS_MODULE="earfit.settings.production", **extra) as env:
        return subprocess.run(  # noqa: S603 -- our own manage.py
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )


def test_the_parts_add_up_to_the_budget_and_the_budget_is_below_gunicorns_timeout() -> None:
    parts = {part.dependency: part.seconds for part in settings.REQUEST_BUDGET_PARTS}
    assert parts == {"database": 11.0, "storage (S3)": 17.0, "cache (Redis)": 3.0, "broker": 9.0}
    assert sum(parts.values()) <= settings.REQUEST_BUDGET_SECONDS == 40
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gunicorn["timeout"] > settings.REQUEST_BUDGET_SECONDS
    assert min(parts.values()) > settings.READINESS_CHECK_TIMEOUT_SECONDS


def test_production_bounds_every_dependency() -> None:
    result = _production_shell(
        SHOW, PHOTO_S3_SSE="aws:kms", PHOTO_S3_KMS_KEY_ID="arn:aws:kms:eu-central-1:111122223333:key/data"
    )
    assert result.returncode == 0, result.stderr
    database, cache, encryption = result.stdout.splitlines()[-3:]
    assert database == "earfit.db.postgresql -c statement_timeout=5000 8.0 8000 1"
    assert cache == "2.0 0"
    assert encryption == (
        "{'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': 'arn:aws:kms:eu-central-1:111122223333:key/data'}"
    )


def test_timeouts_over_the_budget_refuse_to_start() -> None:
    result = _production_shell("from django.conf import settings; print(settings.DEBUG)", PHOTO_S3_READ_TIMEOUT="30")
    assert result.returncode != 0
    assert "the dependency timeouts add up to 90 s" in result.stderr
    assert "over REQUEST_BUDGET_SECONDS=40" in result.stderr
