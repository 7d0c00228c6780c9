"""earfit as `make run` serves it (runserver, local settings, SQLite) on a free loopback port, with
a throw-away database and photo directory; stopped by its own process id. Used by tests and bench."""

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.s3 import free_ports

ROOT = Path(__file__).resolve().parents[1]
# Every limit out of the way: these runs measure or prove something else.
NO_LIMITS = {
    f"THROTTLE_{scope}": "100000/minute"
    for scope in ("FITTING_CREATE", "ANON", "PHOTO_UPLOAD", "FEEDBACK", "RECOMMENDATION_READ", "FITTING_TOKEN")
}


@contextmanager
def embedded_earfit(*setup: str) -> Iterator[str]:
    """Yields the base URL; each `setup` names a management command run after `migrate`."""
    with tempfile.TemporaryDirectory(prefix="earfit-embedded-") as tmp:
        excluded = {"DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL", "PHOTO_STORAGE"}
        env = {
            **{k: v for k, v in os.environ.items() if k not in excluded},
            "DJANGO_SETTINGS_MODULE": "earfit.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": f"sqlite:///{tmp}/earfit.sqlite3",
            "PHOTO_ROOT": f"{tmp}/photos",
            **NO_LIMITS,
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in ("migrate", *setup):
            subprocess.run([*manage, command], env=env, check=True, cwd=ROOT, capture_output=True)  # noqa: S603 -- our own manage.py
        port = free_ports(1)[0]
        server = subprocess.Popen(  # noqa: S603 -- our own manage.py
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 -- loopback http
                    break
                except OSError:
                    time.sleep(0.1)
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)
