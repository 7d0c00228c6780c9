"""`make bench`: earfit against the physical floor and the legacy stack, in one run on one machine.

    .venv/bin/python -m bench.harness [--smoke] [--out bench/results] [--only floor,http,...]

Sections: floor + in-process (bench/floor.py), earfit and legacy under gunicorn at 1/2/4
connections and the light requests at many clients, cold start and model switch
(bench/http_bench.py), growth of purge, audit export and ranking (bench/growth.py). Writes
<out>/latest.json, latest.md and latest.png (bench/report.py). `--smoke` runs every section at
tiny sizes in well under a minute: it proves the harness runs, nothing about speed.
The benchmark's own PostgreSQL database is dropped and made again (see bench/stack.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stack import ROOT, bench_database_url, stack

FULL: dict[str, Any] = {
    "photo_scale": 1,
    "photo_runs": 21,
    "profile_runs": 20,
    "connections": [1, 2, 4],
    "photo_count": 60,
    "photo_seconds": 60.0,
    "light_clients": 50,
    "light_count": 3000,
    "light_seconds": 30.0,
    "light_pace": 1.0,  # each shopper asks once a second (bench/http_bench.py, light_requests)
    "purge_sizes": [1000, 5000, 20000],
    "audit_sizes": [10_000, 100_000, 1_000_000],
    "ranking_sizes": [40, 400, 4000],
    "ranking_runs": 21,
}
SMOKE: dict[str, Any] = {
    "photo_scale": 4,  # the photos at a quarter of each side: generating 12 MP ones takes long
    "photo_runs": 1,
    "profile_runs": 1,
    "connections": [1, 2],
    "photo_count": 2,
    "photo_seconds": 10.0,
    "light_clients": 4,
    "light_count": 8,
    "light_seconds": 10.0,
    "light_pace": 0.5,
    "purge_sizes": [10, 20],
    "audit_sizes": [100, 200],
    "ranking_sizes": [40, 400],
    "ranking_runs": 2,
}
SECTIONS = ("floor", "profile", "http", "growth")


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "shared": "judge how quiet the machine was by the load averages (2 cores: 1 is one busy core)",
    }


def save(result: dict[str, Any], out: Path, *, final: bool = False) -> None:
    """Write what has been measured so far (after each section, so a long run cut short keeps it)."""
    from bench import report

    result["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result["verdict"] = report.verdict(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "latest.md").write_text(report.markdown(result))
    if final:
        report.chart(result, out / "latest.png")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, < 1 minute; checks nothing about speed")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {SECTIONS}")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=JSON", help="override a size, e.g. photo_runs=7"
    )
    args = parser.parse_args(argv)
    sizes = {**(SMOKE if args.smoke else FULL), **{k: json.loads(v) for k, v in (o.split("=", 1) for o in args.set)}}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stopped: the servers it started stop too
    only = set(args.only.split(","))
    os.environ["DJANGO_SETTINGS_MODULE"] = "earfit.settings.test"
    os.environ["DATABASE_URL"] = bench_database_url()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    started = time.monotonic()
    result: dict[str, Any] = {
        "mode": "smoke" if args.smoke else "full",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "sizes": sizes,
    }
    with (
        tempfile.TemporaryDirectory(prefix="earfit-bench-") as directory,
        stack(Path(directory), os.environ["DATABASE_URL"]) as services,
    ):
        import django

        django.setup()
        from bench import floor, growth, http_bench, profile_photo

        needs_photos = bool(only & {"floor", "profile", "http"})
        images = floor.photos(scale=sizes["photo_scale"]) if needs_photos else {}
        print("floor and in-process", flush=True)
        if "floor" in only:
            result["floor"] = floor.measure(sizes["photo_runs"], images)
            save(result, args.out)
        if "profile" in only:
            print("profile of the photo path (pyinstrument)", flush=True)
            result["profile"] = profile_photo.profile(services, images, sizes["profile_runs"], args.out)
            print("profile of a gunicorn worker (py-spy)", flush=True)
            result["profile_gunicorn"] = profile_photo.profile_gunicorn(
                services, images, sizes["profile_runs"], args.out
            )
            save(result, args.out)
        if "http" in only:
            print("photos over HTTP (gunicorn, production settings); cold start", flush=True)
            result.update(http_bench.http_sections(services, images, sizes))
            result["model_switch"] = http_bench.model_switch(images)
            save(result, args.out)
        if "growth" in only:
            print("growth", flush=True)
            result["ranking"] = growth.ranking(sizes["ranking_sizes"], sizes["ranking_runs"])
            save(result, args.out)
            result["purge"] = growth.purge(services, sizes["purge_sizes"])
            save(result, args.out)
            result["audit_export"] = growth.audit_export(sizes["audit_sizes"])
    result["seconds"] = round(time.monotonic() - started, 1)
    save(result, args.out, final=True)
    print(f"wrote {args.out}/latest.json, latest.md and latest.png in {result['seconds']} s", flush=True)
    return result


if __name__ == "__main__":
    main()
