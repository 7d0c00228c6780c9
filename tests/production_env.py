"""The environment under which the production settings load in a test's subprocess.

Production requires its secrets and collectstatic's manifest; these values satisfy both without
reaching any real service (the hosts named here are never contacted unless a test says so).
"""

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from tempfile import TemporaryDirectory

PRODUCTION_SECRETS = {
    "DJANGO_SECRET_KEY": "x" * 20 + "production-secret-key-of-sufficient-length-and-variety-0123456789",
    "DJANGO_ALLOWED_HOSTS": "earfit.example.com",
    "DATABASE_URL": "postgres://earfit@db.internal:5432/earfit",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
}
ROOT = Path(__file__).resolve().parents[1]
EMPTY_MANIFEST = '{"paths": {}, "version": "1.1"}'


def static_root_with_manifest(directory: Path) -> Path:
    """A STATIC_ROOT holding an empty manifest, as if collectstatic had run over no files."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "staticfiles.json").write_text(EMPTY_MANIFEST, encoding="utf-8")
    return directory


@contextmanager
def production_environment(*, inherit: bool = True, **extra: str) -> Iterator[dict[str, str]]:
    """The environment for a subprocess running production settings, with a manifest that lasts
    as long as the block. `inherit=False` starts from PATH alone, so nothing else leaks in."""
    base = dict(os.environ) if inherit else {"PATH": os.environ.get("PATH", "")}
    with TemporaryDirectory() as static_root:
        static_root_with_manifest(Path(static_root))
        yield {**base, **PRODUCTION_SECRETS, "STATIC_ROOT": static_root, **extra}


def gunicorn_start(*, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """gunicorn as the container's `web` runs it (gunicorn.conf.py), in a session of its own, logging to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "earfit.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def process_group_stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to a process started in a session of its own (as `gunicorn_start` does) and its
    children; SIGKILL after 30 s, ECS's stop timeout."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
