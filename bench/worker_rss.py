"""Benchmark: the gunicorn worker's peak memory over the hostile-upload corpus and over ordinary photos.

    .venv/bin/python -m bench.worker_rss [--photos 1000] [--rounds 3]     (make bench-rss)

Runs earfit as production runs it: `gunicorn -c gunicorn.conf.py` under `earfit.settings.production`
(tests/production_env.py supplies its secrets and a static manifest), one worker of two threads,
photos on a loopback S3 server of its own (SeaweedFS), the cache and broker on the loopback Redis
(EARFIT_TEST_REDIS_URL), and a PostgreSQL database it drops and creates afresh (BENCH_DATABASE_URL,
by default earfit_bench_rss on the loopback server; production's connection options are
PostgreSQL's). Two phases, each on a
fresh server so each peak is its own: the corpus of tests/hostile.py posted `--rounds` times, then
`--photos` ordinary phone photos (4032 x 3024 JPEGs of rendered ears). A sampler reads the worker's
VmRSS and VmHWM (the kernel's peak resident set) from /proc every 50 ms; the figure reported is the
peak over every worker process the phase saw. It is a benchmark, not a test: it prints the figures
and whether they stay below CEILING_MB, and always exits 0 when the server ran.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import urllib3
from PIL import Image

from bench.photo_api import ANSWERS
from inference.training.renderer import render_photo
from tests.embedded_server import NO_LIMITS
from tests.hostile import hostile_corpus
from tests.production_env import production_environment
from tests.s3 import S3Server, free_ports, photo_environment

ROOT = Path(__file__).resolve().parents[1]
CEILING_MB = 400
BUCKET = "earfit-bench-rss"


@dataclass
class Sampler:
    """Peak memory of the gunicorn master's children (its workers), sampled from /proc."""

    master: int
    peak_kb: int = 0
    workers: set[int] = field(default_factory=set)
    _stop: threading.Event = field(default_factory=threading.Event)

    def children(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.master}/task/{self.master}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def rss_kb(self, pid: int, key: str = "VmRSS") -> int:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(f"{key}:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def run(self) -> None:
        while not self._stop.is_set():
            for pid in self.children():
                self.workers.add(pid)
                self.peak_kb = max(self.peak_kb, self.rss_kb(pid, "VmHWM"), self.rss_kb(pid))
            time.sleep(0.05)

    def current_kb(self) -> int:
        return max((self.rss_kb(pid) for pid in self.children()), default=0)

    @contextmanager
    def sampling(self) -> Iterator[Sampler]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()


@contextmanager
def earfit_gunicorn(env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    port = free_ports(1)[0]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "earfit.wsgi:application"],
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.3)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def new_fitting(pool: urllib3.PoolManager, base: str) -> tuple[str, str]:
    body = json.dumps(
        {"questionnaire_version": 1, "answers": ANSWERS, "consent": {"version": "2026-11-01", "accepted": True}}
    )
    response = pool.request("POST", f"{base}/api/v1/fittings", body=body, headers={"Content-Type": "application/json"})
    if response.status != 201:
        raise RuntimeError(f"fitting not created: {response.status} {response.data[:300]!r}")
    return response.json()["id"], response.json()["access_token"]


def post_photo(
    pool: urllib3.PoolManager, base: str, fitting: tuple[str, str], data: bytes, name: str, ctype: str
) -> int:
    response = pool.request(
        "POST",
        f"{base}/api/v1/fittings/{fitting[0]}/photos",
        fields={"side": "left", "image": (name, data, ctype)},
        headers={"Authorization": f"Bearer {fitting[1]}"},
    )
    return response.status


def phone_photos(count: int) -> list[bytes]:
    """Distinct 12 MP JPEGs of rendered ears with a card, as a phone sends them (about 1-3 MB)."""
    photos = []
    for seed in range(count):
        image = render_photo(100 + seed, size=(1024, 768), ear=True, card=True).image
        buffer = io.BytesIO()
        image.resize((4032, 3024), Image.Resampling.BICUBIC).save(buffer, "JPEG", quality=90)
        photos.append(buffer.getvalue())
    return photos


def phase(
    name: str, env: dict[str, str], log: Path, send: list[tuple[bytes, str, str]], warm_up: bytes
) -> dict[str, object]:
    pool = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2, read=60))
    with earfit_gunicorn(env, log) as (base, master):
        fitting = new_fitting(pool, base)
        post_photo(pool, base, fitting, warm_up, "warm.jpg", "image/jpeg")  # the model session is made lazily
        sampler = Sampler(master)
        baseline_kb = sampler.current_kb()
        statuses: Counter[int] = Counter()
        started = time.monotonic()
        with sampler.sampling():
            for data, filename, ctype in send:
                statuses[post_photo(pool, base, fitting, data, filename, ctype)] += 1
            alive = pool.request("GET", f"{base}/healthz").status == 200
        seconds = time.monotonic() - started
    peak_mb = sampler.peak_kb / 1024
    return {
        "phase": name,
        "requests": len(send),
        "statuses": dict(sorted(statuses.items())),
        "seconds": round(seconds, 1),
        "worker_rss_after_warm_up_mb": round(baseline_kb / 1024, 1),
        "worker_peak_rss_mb": round(peak_mb, 1),
        "workers_seen": len(sampler.workers),
        "server_alive_after": alive,
        "ceiling_mb": CEILING_MB,
        "below_ceiling": peak_mb < CEILING_MB,
    }


def fresh_database(url: str) -> None:
    """Drop and create the bench's own database (never any other: the name must say bench)."""
    import psycopg

    parts = urllib3.util.parse_url(url)
    name = (parts.path or "").lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"BENCH_DATABASE_URL must name a database of the bench's own, not {name!r}")
    admin = f"postgresql://{parts.auth or 'postgres'}@{parts.host}:{parts.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=1000, help="ordinary photos to post")
    parser.add_argument("--distinct", type=int, default=10, help="distinct photos among them")
    parser.add_argument("--rounds", type=int, default=3, help="times the corpus is posted")
    args = parser.parse_args()
    redis_url = os.environ.get("EARFIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    database_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/earfit_bench_rss")
    fresh_database(database_url)
    with tempfile.TemporaryDirectory(prefix="earfit-bench-rss-") as tmp:
        s3 = S3Server(Path(tmp) / "s3").start()
        try:
            s3.create_bucket(BUCKET)
            overrides = {
                "DJANGO_SETTINGS_MODULE": "earfit.settings.production",
                "DATABASE_URL": database_url,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "TRUSTED_PROXY_COUNT": "0",
                "CACHE_URL": redis_url,
                "CELERY_BROKER_URL": redis_url,
                **NO_LIMITS,
                **photo_environment(endpoint=s3.endpoint, bucket=BUCKET),
                "WEB_CONCURRENCY": "1",
                "WEB_THREADS": "2",
                "LOG_LEVEL": "WARNING",
            }
            with production_environment(inherit=True, **overrides) as env:
                subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
                print("making the photos and the corpus ...", flush=True)
                photos = phone_photos(args.distinct)
                corpus = hostile_corpus()
                hostile = [(u.data, u.filename, u.content_type) for _ in range(args.rounds) for u in corpus]
                ordinary = [(photos[i % len(photos)], "ear.jpg", "image/jpeg") for i in range(args.photos)]
                results = [
                    phase("hostile corpus", env, Path(tmp) / "gunicorn-hostile.log", hostile, photos[0]),
                    phase("ordinary photos", env, Path(tmp) / "gunicorn-ordinary.log", ordinary, photos[0]),
                ]
        finally:
            s3.stop()
    print(f"{'phase':<16} {'requests':>8} {'seconds':>8} {'after warm-up':>14} {'peak RSS':>9}  statuses")
    for r in results:
        print(
            f"{r['phase']:<16} {r['requests']:>8} {r['seconds']:>8} {r['worker_rss_after_warm_up_mb']:>11} MB "
            f"{r['worker_peak_rss_mb']:>6} MB  {r['statuses']}  alive after: {r['server_alive_after']}  "
            f"below {CEILING_MB} MB: {r['below_ceiling']}"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
