"""A load generator on loopback: N connections (one thread and one keep-alive HTTP/1.1 connection
each), bounded in request count and in time; latencies, statuses, and the server's CPU and memory.
"""

from __future__ import annotations

import http.client
import itertools
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.stack import Gunicorn, machine_seconds


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    ok: tuple[int, ...] = (200, 201, 204)


# What one connection sends next: (connection index, request number on it) -> the request.
Script = Callable[[int, int], Call]


def multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes, content_type: str) -> Call:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts += [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'.encode(),
        f"Content-Type: {content_type}\r\n\r\n".encode(),
        data,
        f"\r\n--{boundary}--\r\n".encode(),
    ]
    return Call("POST", "", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def json_call(method: str, path: str, body: object | None = None, token: str = "") -> Call:
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    return Call(method, path, b"" if body is None else json.dumps(body).encode(), headers)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


@dataclass
class LoadResult:
    connections: int
    requests: int
    seconds: float
    latencies: list[float]
    errors: int
    statuses: dict[str, int]
    server_cpu_seconds: float = 0.0
    worker_peak_rss_mib: float = 0.0
    machine_busy_seconds: float = 0.0
    machine_idle_seconds: float = 0.0

    def summary(self) -> dict[str, float | int | dict[str, int]]:
        ms = [s * 1000 for s in self.latencies]

        def per_request(seconds: float) -> float:
            return round(1000 * seconds / self.requests, 1) if self.requests else 0

        return {
            "connections": self.connections,
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "per_second": round(self.requests / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "mean_ms": round(statistics.fmean(ms), 1) if ms else 0.0,
            "errors": self.errors,
            "statuses": self.statuses,
            "server_cpu_ms_per_request": per_request(self.server_cpu_seconds),
            "worker_peak_rss_mib": round(self.worker_peak_rss_mib, 1),
            # Every process on the machine, and the cores left idle, per request: with no idle core
            # the machine would answer `cores / machine_busy` requests per second.
            "machine_busy_ms_per_request": per_request(self.machine_busy_seconds),
            "machine_idle_ms_per_request": per_request(self.machine_idle_seconds),
        }


def run_load(
    server: Gunicorn, script: Script, *, connections: int, count: int, seconds: float, pace: float = 0.0
) -> LoadResult:
    """Send at most `count` requests (over all connections) for at most `seconds`, then wait for
    the answers in flight. Any status outside the call's `ok`, or a failed connection, is an error.

    `pace` 0: each connection sends its next request as soon as the last is answered (a closed
    loop: the server's capacity). `pace` > 0: each connection is a client who sends one request
    every `pace` seconds (the clients' starts spread evenly over one pace); a request's latency
    counts from when it was due, so a server that falls behind is not excused by the clients
    waiting for it (no coordinated omission)."""
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors = [0]
    deadline = time.monotonic() + seconds
    origin = time.perf_counter()

    def connection(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        for n in itertools.count():
            if time.monotonic() > deadline or next(counter) >= count:
                break
            call = script(index, n)
            started = time.perf_counter()
            if pace:
                started = origin + pace * (n + index / connections)
                time.sleep(max(0.0, started - time.perf_counter()))
            try:
                conn.request(call.method, call.path, body=call.body or None, headers=call.headers)
                answer = conn.getresponse()
                answer.read()
                status = str(answer.status)
                failed = answer.status not in call.ok
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
                status, failed = type(exc).__name__, True
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] += 1
                errors[0] += failed
        conn.close()

    cpu_before = server.cpu()
    busy_before, idle_before = machine_seconds()
    started = time.perf_counter()
    threads = [threading.Thread(target=connection, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        server.rss_mib()  # sampled while the load runs: the high-water marks of every worker
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    busy_after, idle_after = machine_seconds()
    return LoadResult(
        connections=connections,
        requests=len(latencies),
        seconds=elapsed,
        latencies=latencies,
        errors=errors[0],
        statuses=dict(statuses),
        server_cpu_seconds=server.cpu() - cpu_before,
        worker_peak_rss_mib=server.peak_rss_mib(),
        machine_busy_seconds=busy_after - busy_before,
        machine_idle_seconds=idle_after - idle_before,
    )
