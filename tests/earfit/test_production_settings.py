"""The production settings, loaded in processes of their own as the container loads them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Serves the admin's sign-in page through the whole middleware stack, then logs one fact.
ADMIN_AND_ONE_LOG_LINE = """
import logging
from django.test import Client
response = Client().get("/admin/login/", secure=True, headers={"host": "earfit.example"})
logging.getLogger("earfit.check").warning("admin answered", extra={"event": "check.admin", "status": response.status_code})
"""


def _production(static_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "earfit.settings.production",
        "DJANGO_SECRET_KEY": "production-settings-test-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "earfit.example",
        "DATABASE_URL": f"sqlite:///{static_root.parent / 'unused.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",  # never contacted by these commands
        "CACHE_URL": "locmemcache://production-test",
        "STATIC_ROOT": str(static_root),
    }
    return subprocess.run(  # noqa: S603 -- our own interpreter and manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_production_without_collected_static_files_refuses_to_start(tmp_path: Path) -> None:
    result = _production(tmp_path / "static", "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured: no static files manifest" in result.stderr
    assert "collectstatic" in result.stderr


@pytest.mark.slow
def test_production_with_collected_static_files_serves_the_admin_and_logs_json_lines(tmp_path: Path) -> None:
    static_root = tmp_path / "static"
    collected = _production(static_root, "collectstatic", "--no-input", "--verbosity", "0")
    assert collected.returncode == 0, collected.stderr
    assert (static_root / "staticfiles.json").is_file()

    result = _production(static_root, "shell", "--verbosity", "0", "--command", ADMIN_AND_ONE_LOG_LINE)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    (admin,) = [line for line in lines if line.get("event") == "check.admin"]
    assert admin["status"] == 200
    assert admin["level"] == "WARNING"
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
