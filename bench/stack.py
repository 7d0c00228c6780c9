"""The stack a benchmark runs against: its own PostgreSQL database, Redis, the loopback S3 server
and gunicorn (gunicorn.conf.py, production settings), each started here and stopped by its own id.

    BENCH_DATABASE_URL   the benchmark's database, dropped and created again (default: DATABASE_URL's
                         server, database `<name>_bench`; PostgreSQL only, as in production)
    BENCH_REDIS_URL      cache and broker (default: EARFIT_TEST_REDIS_URL, else redis://127.0.0.1:6379/7)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.embedded_server import NO_LIMITS
from tests.production_env import process_group_stop, production_environment
from tests.s3 import S3Server, free_ports, photo_environment

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
# Rates far above any load here: a benchmark measures the work, not the throttles.


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/earfit")
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        raise SystemExit("the benchmark needs PostgreSQL: set BENCH_DATABASE_URL or DATABASE_URL to postgres://...")
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_bench"))


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or os.environ.get("EARFIT_TEST_REDIS_URL") or "redis://127.0.0.1:6379/7"


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's own database (never point BENCH_DATABASE_URL at real data)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def cpu_seconds(pid: int, *, children: bool = False) -> float:
    """User + system CPU of a process (and of its children it has waited for, when asked)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12]) + ((int(fields[13]) + int(fields[14])) if children else 0)
    return ticks / TICKS


def machine_seconds() -> tuple[float, float]:
    """The whole machine's busy and idle CPU seconds so far, over every core (/proc/stat): what the
    server's own CPU leaves out (the database, the S3 server, the load generator, the kernel)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / TICKS, (idle + iowait) / TICKS


def status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Gunicorn:
    """One gunicorn master this benchmark started, and what its workers use."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    started_at: float
    peak_rss_kib: dict[int, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        try:
            text = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def cpu(self) -> float:
        """CPU of the master, its live workers and the workers it has already reaped."""
        return cpu_seconds(self.process.pid, children=True) + sum(cpu_seconds(pid) for pid in self.workers())

    def rss_mib(self) -> list[float]:
        """Each live worker's resident memory now (MiB); remembers each one's high-water mark."""
        now = []
        for pid in self.workers():
            self.peak_rss_kib[pid] = max(self.peak_rss_kib.get(pid, 0), status_kib(pid, "VmHWM"))
            now.append(status_kib(pid, "VmRSS") / 1024)
        return now

    def peak_rss_mib(self) -> float:
        self.rss_mib()
        return max(self.peak_rss_kib.values(), default=0) / 1024

    def wait_ready(self, path: str = "/healthz", timeout: float = 90.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=2) as answer:
                    if answer.status == 200:
                        return time.monotonic() - self.started_at
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not answer {path} within {timeout} s: {self.log}")

    def stop(self) -> None:
        process_group_stop(self.process)


@dataclass
class Stack:
    """The database, Redis and S3 server every gunicorn of one benchmark run shares."""

    directory: Path
    database_url: str
    redis: str
    s3: S3Server
    bucket: str

    def earfit_env(self) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "earfit.settings.production",
            "DATABASE_URL": self.database_url,
            "CACHE_URL": self.redis,
            "CELERY_BROKER_URL": self.redis,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "TRUSTED_PROXY_COUNT": "0",
            **photo_environment(endpoint=self.s3.endpoint, bucket=self.bucket),
            "LOG_LEVEL": "WARNING",
            **NO_LIMITS,  # the load is the point
        }

    @contextmanager
    def process_env(self, **extra: str) -> Iterator[dict[str, str]]:
        """The whole environment of an earfit process here: production's, then this stack's, then `extra`."""
        with production_environment() as base:
            yield {**base, **self.earfit_env(), **extra}

    def run_as_earfit(self, *argv: str) -> None:
        """`python -m <argv>` with the environment earfit's gunicorn has (production settings, this
        stack's database, cache and storage), e.g. to activate a model version as the admin does."""
        with self.process_env() as env:
            subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, env=env, check=True)

    @contextmanager
    def gunicorn(self, app: str, name: str, **extra: str) -> Iterator[Gunicorn]:
        """gunicorn -c gunicorn.conf.py <app> with the production environment; stopped on exit."""
        port = free_ports(1)[0]
        log = self.directory / f"{name}.log"
        with self.process_env(PORT=str(port), **extra) as env:
            started = time.monotonic()
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", app],
                cwd=ROOT,
                env=env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            server = Gunicorn(process=process, port=port, log=log, started_at=started)
            try:
                yield server
            finally:
                server.stop()


@contextmanager
def stack(directory: Path, url: str) -> Iterator[Stack]:
    """A fresh benchmark database at `url` (migrated, demo catalog loaded), Redis and an S3 server."""
    import redis

    recreate_database(url)
    manage = [sys.executable, "manage.py"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "earfit.settings.test", "DATABASE_URL": url}
    for command in (["migrate", "-v0"], ["bootstrap_roles"], ["load_demo_catalog"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    redis.Redis.from_url(redis_url()).flushdb()
    server = S3Server(directory=directory / "s3").start()
    try:
        server.create_bucket("earfit-bench")
        yield Stack(directory=directory, database_url=url, redis=redis_url(), s3=server, bucket="earfit-bench")
    finally:
        server.stop()


def json_request(base: str, method: str, path: str, body: object | None = None, token: str = "") -> dict[str, object]:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as answer:
        return dict(json.loads(answer.read() or b"{}"))
