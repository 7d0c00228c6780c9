"""`make soak`: mixed shopper traffic against gunicorn with the production settings, for a while.

    SOAK_SECONDS=300 SOAK_CLIENTS=4 .venv/bin/python -m bench.soak [--seconds N] [--out DIR]

Each client walks the shopper's journey again and again: the questionnaire, a new fitting, the
product list, a photo (the client's downscaled one; every fourth a phone's full JPEG with EXIF),
the recommendation, feedback on its first product, and the erasure of the fitting. PostgreSQL,
Redis and the loopback S3 server as in `make bench` (bench/stack.py). Prints every endpoint's
count and latencies, the statuses, and the workers' memory after the warm-up and at the end.
Fails (exit 1) on any 5xx or failed connection, or, in a run of at least a minute, on worker
memory growth of 10 % or more.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.http_bench import EARFIT_APP, FITTING, photo_call
from bench.load import Call, json_call, percentile
from bench.photo_decode import make_phone_photo
from bench.stack import ROOT, Gunicorn, bench_database_url, stack
from inference.training.renderer import render_photo

WARM_UP_FRACTION = 0.2  # memory is compared from here on: after the model and the caches are loaded
MEMORY_GROWTH_LIMIT = 0.10


def client_photo(seed: int) -> bytes:
    out = io.BytesIO()
    render_photo(seed, size=(960, 1280), ear=True, card=True, fill=0.6).image.save(out, "JPEG", quality=90)
    return out.getvalue()


class Journey:
    """One client: a keep-alive connection and its figures, shared under a lock."""

    def __init__(self, server: Gunicorn, photos: list[tuple[bytes, str]], record: Any) -> None:
        self.server, self.photos, self.record = server, photos, record
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)

    def send(self, name: str, call: Call) -> tuple[int, Any]:
        started = time.perf_counter()
        try:
            self.conn.request(call.method, call.path, body=call.body or None, headers=call.headers)
            answer = self.conn.getresponse()
            body = answer.read()
            status: int | str = answer.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=120)
            status, body = type(exc).__name__, b""
        self.record(name, status, time.perf_counter() - started)
        try:
            return (status if isinstance(status, int) else 0), json.loads(body or b"null")
        except ValueError:
            return (status if isinstance(status, int) else 0), None

    def run(self, n: int) -> None:
        self.send("questionnaire", json_call("GET", "/api/v1/questionnaire"))
        status, created = self.send("fitting_create", json_call("POST", "/api/v1/fittings", FITTING))
        self.send("products", json_call("GET", "/api/v1/products"))
        if status != 201:
            return
        fid, token = created["id"], created["access_token"]
        data, kind = self.photos[0] if n % 4 else self.photos[1]
        self.send("photo", photo_call(f"/api/v1/fittings/{fid}/photos", data, kind, ("left", "right")[n % 2], token))
        status, recommendation = self.send(
            "recommendation", json_call("GET", f"/api/v1/fittings/{fid}/recommendation", token=token)
        )
        items = (recommendation or {}).get("items") or []
        if status == 200 and items:
            feedback = {"product_id": items[0]["product"]["id"], "fit": "right", "comfort": 4}
            self.send("feedback", json_call("POST", f"/api/v1/fittings/{fid}/feedback", feedback, token))
        self.send("erasure", json_call("DELETE", f"/api/v1/fittings/{fid}", token=token))


def soak(server: Gunicorn, seconds: float, clients: int, photos: list[tuple[bytes, str]]) -> dict[str, Any]:
    lock = threading.Lock()
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: Counter[str] = Counter()
    failures = [0]  # 5xx answers and requests that got no answer

    def record(name: str, status: int | str, elapsed: float) -> None:
        with lock:
            latencies[name].append(elapsed * 1000)
            statuses[f"{name} {status}"] += 1
            failures[0] += not isinstance(status, int) or status >= 500

    deadline = time.monotonic() + seconds

    def client() -> None:
        journey = Journey(server, photos, record)
        n = 0
        while time.monotonic() < deadline:
            journey.run(n)
            n += 1
        journey.conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    samples: list[tuple[float, float]] = []  # (seconds since start, largest worker RSS MiB)
    pids: set[int] = set()
    while any(thread.is_alive() for thread in threads):
        rss = server.rss_mib()
        pids.update(server.workers())
        if rss:
            samples.append((time.monotonic() - started, max(rss)))
        time.sleep(1.0)
    elapsed = time.monotonic() - started
    after_warm_up = [mib for t, mib in samples if t >= WARM_UP_FRACTION * elapsed]
    window = max(1, len(after_warm_up) // 10)
    first = statistics.median(after_warm_up[:window]) if after_warm_up else 0.0
    last = statistics.median(after_warm_up[-window:]) if after_warm_up else 0.0
    return {
        "seconds": round(elapsed, 1),
        "clients": clients,
        "requests": sum(len(v) for v in latencies.values()),
        "requests_per_second": round(sum(len(v) for v in latencies.values()) / elapsed, 2),
        "server_errors": failures[0],
        "statuses": dict(sorted(statuses.items())),
        "endpoints": {
            name: {"n": len(v), "p50_ms": round(percentile(v, 50), 1), "p99_ms": round(percentile(v, 99), 1)}
            for name, v in sorted(latencies.items())
        },
        "worker_rss_after_warm_up_mib": round(first, 1),
        "worker_rss_end_mib": round(last, 1),
        "worker_memory_growth": round((last - first) / first, 3) if first else 0.0,
        "worker_peak_rss_mib": round(server.peak_rss_mib(), 1),
        "workers_seen": len(pids),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS") or 300))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS") or 4))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the servers it started stop too
    os.environ["DATABASE_URL"] = url = bench_database_url()
    photos = [(client_photo(3), "image/jpeg"), (make_phone_photo(scale=2), "image/jpeg")]
    with ExitStack() as running:
        directory = Path(running.enter_context(tempfile.TemporaryDirectory(prefix="earfit-soak-")))
        server = running.enter_context(running.enter_context(stack(directory, url)).gunicorn(EARFIT_APP, "soak"))
        server.wait_ready()
        print(f"soak: {args.clients} clients for {args.seconds:.0f} s against {server.base}", flush=True)
        result = soak(server, args.seconds, args.clients, photos)
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    for name, figures in result["endpoints"].items():
        print(f"  {name:>15}: n {figures['n']:5d}  p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms")
    print(f"  statuses: {result['statuses']}")
    print(
        f"  {result['requests']} requests in {result['seconds']} s ({result['requests_per_second']}/s);"
        f" 5xx or failed: {result['server_errors']}; worker RSS {result['worker_rss_after_warm_up_mib']} MiB after"
        f" warm-up -> {result['worker_rss_end_mib']} MiB at the end ({result['worker_memory_growth']:+.1%}),"
        f" peak {result['worker_peak_rss_mib']} MiB, {result['workers_seen']} worker processes seen",
        flush=True,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    grown = args.seconds >= 60 and result["worker_memory_growth"] >= MEMORY_GROWTH_LIMIT
    if result["server_errors"] or grown:
        raise SystemExit(
            "soak failed: "
            + ("5xx or failed requests; " if result["server_errors"] else "")
            + ("memory grew" if grown else "")
        )
    return result


if __name__ == "__main__":
    main()
