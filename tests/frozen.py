"""Servers a test owns and may freeze: a throwaway PostgreSQL cluster and a Redis, on free loopback ports.

Frozen means SIGSTOP: the process answers nothing, yet its kernel still accepts connections and
acknowledges every packet, as a server that hangs (not one that is down) does. The shared
PostgreSQL and Redis are never frozen: other engineers' tests use them. SIGCONT thaws a server,
which then goes on as if nothing happened.
"""

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.s3 import free_ports


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            found.append(int(Path(stat).parent.name))
    return found


@contextmanager
def frozen(pids: list[int]) -> Iterator[None]:
    """SIGSTOP these processes for the block, SIGCONT them after it, whatever happens inside."""
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError(f"no {name} under /usr/lib/postgresql/*/bin: install postgresql")
    return found[-1]


def _as_postgres(*command: str) -> list[str]:
    """initdb refuses to run as root: run the cluster's commands as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of this test run only, in a temporary directory, trusting loopback."""

    directory: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="earfit-frozen-pg-")))
    port: int = 0

    def start(self) -> "PrivatePostgres":
        self.port = free_ports(1)[0]
        data = self.directory / "data"
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(  # noqa: S603 -- the distribution's initdb, fixed arguments
            _as_postgres(_postgres_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"),
            check=True,
            capture_output=True,
        )
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(  # noqa: S603 -- the distribution's pg_ctl, fixed arguments
            _as_postgres(
                _postgres_bin("pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                str(self.directory / "log"),
                "-w",
                "start",
            ),
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603 -- the distribution's createdb, fixed arguments
            [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "earfit"],
            check=True,
            capture_output=True,
        )
        return self

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/earfit"

    def pids(self) -> list[int]:
        """The postmaster and every process it started (the backends serving connections)."""
        postmaster = int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        return [postmaster, *children_of(postmaster)]

    def stop(self) -> None:
        for pid in self.pids():  # a test that failed inside `frozen` has thawed it already; be sure
            os.kill(pid, signal.SIGCONT)
        subprocess.run(  # noqa: S603 -- the distribution's pg_ctl, fixed arguments
            _as_postgres(_postgres_bin("pg_ctl"), "-D", str(self.directory / "data"), "-m", "immediate", "stop"),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A Redis of this test run only, in memory, on a free loopback port."""

    process: subprocess.Popen[bytes] | None = None
    port: int = 0

    def start(self) -> "PrivateRedis":
        self.port = free_ports(1)[0]
        self.process = subprocess.Popen(  # noqa: S603 -- the distribution's redis-server, fixed arguments
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        return self

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        self.process.wait(timeout=10)
