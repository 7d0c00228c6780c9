"""`manage.py`, `wsgi.py` and `celery.py` pick the settings module by one rule."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parents[2]
SHOW = "import os; print(os.environ['DJANGO_SETTINGS_MODULE'])"
ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW],
    "wsgi.py": [sys.executable, "-c", f"import earfit.wsgi; {SHOW}"],
    "celery.py": [sys.executable, "-c", f"import earfit.celery; {SHOW}"],
}


def chosen(command: list[str], **extra: str) -> str:
    with production_environment(inherit=False, **extra) as env:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def dotenv_choice() -> str | None:
    """What a developer's `.env` names, if it names a module (a fresh clone has no `.env`)."""
    dotenv = ROOT / ".env"
    lines = dotenv.read_text(encoding="utf-8").splitlines() if dotenv.is_file() else []
    values = [
        line.split("=", 1)[1].split(" #")[0].strip() for line in lines if line.startswith("DJANGO_SETTINGS_MODULE=")
    ]
    return values[-1] if values else None


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_a_process_not_told_which_settings_runs_production(entry_point: str) -> None:
    assert chosen(ENTRY_POINTS[entry_point]) == (dotenv_choice() or "earfit.settings.production")


@pytest.mark.parametrize("entry_point", ENTRY_POINTS)
def test_the_environment_names_the_settings_module(entry_point: str) -> None:
    assert chosen(ENTRY_POINTS[entry_point], DJANGO_SETTINGS_MODULE="earfit.settings.local") == "earfit.settings.local"
