"""`make bench-smoke` and a short `make soak`, so the harness cannot rot: each runs end to end
against real gunicorn, PostgreSQL, Redis and S3, and writes its outputs. Nothing here is about
speed: the figures of a smoke run mean nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- our own interpreter and modules
        [sys.executable, "-m", *args], cwd=ROOT, env=_environment(), capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
@pytest.mark.postgresql
def test_bench_smoke_writes_json_markdown_and_chart(tmp_path: Path) -> None:
    run = _run("bench.harness", "--smoke", "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    result = json.loads((tmp_path / "latest.json").read_text())
    assert result["mode"] == "smoke"
    for section in ("floor", "http", "light", "cold_start", "model_switch", "purge", "audit_export", "ranking"):
        assert section in result, section
    assert set(result["http"]) == {"earfit", "legacy"}
    switch = result["model_switch_http"]  # an activation reaches the running server's next photo
    assert switch["from"] != switch["to"]
    measured_by = [v for v in switch["measured_by_after"] if v]  # a 422 names no version
    assert measured_by
    assert set(measured_by) == {f"earnet-{switch['to']}"}
    assert all(status in (201, 422) for status in switch["statuses_after"])
    assert "in_process_over_floor" in result["verdict"]["ratios"]
    assert (tmp_path / "latest.md").read_text().startswith("# make bench (smoke)")
    assert (tmp_path / "latest.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.slow
@pytest.mark.postgresql
def test_soak_runs_the_mixed_journey_and_prints_its_figures(tmp_path: Path) -> None:
    run = _run("bench.soak", "--seconds", "5", "--clients", "2", "--out", str(tmp_path))
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "5xx or failed: 0" in run.stdout
    result = json.loads((tmp_path / "soak.json").read_text())
    for endpoint in ("questionnaire", "fitting_create", "products", "photo", "recommendation", "erasure"):
        assert result["endpoints"][endpoint]["n"] >= 1, endpoint
