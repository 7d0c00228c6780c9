"""Section 6 of `make bench`: how the purge, the audit export and the ranking grow with size.

- purge: `ear_photo_purge_expired` over N expired photos against the raw floor on the same server
  (list the bucket's versions, delete them 1,000 per request; no database, no audit);
- audit CSV export: rows per second and peak memory (tracemalloc) while streaming N events;
- ranking: `rank_products` over a catalog of N products.
Needs Django set up against the benchmark's database (the harness does it).
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from typing import Any

from bench.stack import Stack
from tests.s3 import PhotoBucket


def slope(sizes: list[int], values: list[float]) -> float:
    """Least-squares exponent b of value = a * size^b (1.0 = linear, 0 = flat)."""
    import math

    points = [(math.log(s), math.log(v)) for s, v in zip(sizes, values, strict=True) if v > 0]
    if len(points) < 2:
        return 0.0
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def raw_list_delete(bucket: PhotoBucket) -> int:
    deleted = 0
    paginator = bucket.client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket.name, Prefix="photos/"):
        versions = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", [])]
        if versions:
            bucket.client.delete_objects(Bucket=bucket.name, Delete={"Objects": versions, "Quiet": True})
            deleted += len(versions)
    return deleted


def purge(stack: Stack, sizes: list[int]) -> dict[str, Any]:
    from bench.purge import SETTLE_SECONDS, prepare
    from recommendations.photos.services.purge import ear_photo_purge_expired
    from recommendations.photos.storage import photo_storage

    rows: list[dict[str, Any]] = []
    for size in sizes:
        timed = {}
        try:
            for method in ("purge", "raw"):
                with prepare(stack.s3, size):
                    name = photo_storage().bucket_name  # type: ignore[attr-defined]
                    bucket = PhotoBucket(name=name, client=stack.s3.client())
                    time.sleep(SETTLE_SECONDS)
                    started = time.perf_counter()
                    done = ear_photo_purge_expired().photos_purged if method == "purge" else raw_list_delete(bucket)
                    timed[method] = time.perf_counter() - started
                    assert done == size, (method, done, size)
        except Exception as exc:  # noqa: BLE001 -- recorded in the results: one size failing keeps the others
            rows.append({"photos": size, "error": f"{type(exc).__name__}: {exc}"[:300]})
            print(f"  purge {size}: failed: {rows[-1]['error']}", flush=True)
            continue
        rows.append(
            {
                "photos": size,
                "purge_s": round(timed["purge"], 3),
                "raw_floor_s": round(timed["raw"], 3),
                "purge_over_floor": round(timed["purge"] / timed["raw"], 2),
            }
        )
        print(f"  purge {size}: {timed['purge']:.2f} s, raw floor {timed['raw']:.2f} s", flush=True)
    done_rows = [row for row in rows if "error" not in row]
    measured = [row["photos"] for row in done_rows]
    return {
        "rows": rows,
        "purge_slope": round(slope(measured, [r["purge_s"] for r in done_rows]), 2),
        "raw_slope": round(slope(measured, [r["raw_floor_s"] for r in done_rows]), 2),
    }


def audit_export(sizes: list[int]) -> dict[str, Any]:
    from accounts.models import Role, User
    from bench.audit_export import export, load

    auditor, _ = User.objects.get_or_create(username="bench-auditor", defaults={"role": Role.AUDITOR})
    rows = []
    for size in sizes:
        load(size)
        _, size_bytes, seconds, _ = export(auditor, sample_rss=False)
        tracemalloc.start()
        export(auditor, sample_rss=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "events": size,
                "seconds": round(seconds, 2),
                "rows_per_second": round(size / seconds),
                "megabytes": round(size_bytes / 1e6, 1),
                "peak_mib": round(peak / 2**20, 2),
            }
        )
        print(f"  audit export {size}: {size / seconds:,.0f} rows/s, peak {peak / 2**20:.1f} MiB", flush=True)
    return {"rows": rows, "memory_slope": round(slope(sizes, [r["peak_mib"] for r in rows]), 2)}


def catalog(size: int) -> list[Any]:
    from recommendations.ranking.types import ProductFit

    kinds = [("in_ear", ("S", "M", "L")), ("over_ear", ()), ("on_ear", ()), ("in_ear", ("XS", "S", "M", "L", "XL"))]
    return [
        ProductFit(
            id=i + 1,
            name=f"Product {i}",
            form_factor=kinds[i % 4][0],
            tip_sizes=kinds[i % 4][1],
            weight_g=5 + i % 300,
            price=20 + (i * 7) % 400,
            anc=i % 2 == 0,
            wireless=i % 3 != 0,
            water_resistance=("none", "IPX4", "IP57")[i % 3],
            microphone=i % 5 != 0,
            shell_length_mm=18 + i % 10 if kinds[i % 4][0] == "in_ear" else None,
            shell_width_mm=15 + i % 8 if kinds[i % 4][0] == "in_ear" else None,
        )
        for i in range(size)
    ]


def ranking(sizes: list[int], runs: int) -> dict[str, Any]:
    from bench.http_bench import ANSWERS
    from recommendations.ranking.rank import rank_products
    from recommendations.ranking.types import Preferences

    preferences = Preferences.from_answers(ANSWERS)
    rows = []
    for size in sizes:
        products = catalog(size)
        rank_products(preferences=preferences, products=products)
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            rank_products(preferences=preferences, products=products)
            times.append((time.perf_counter() - started) * 1000)
        rows.append({"products": size, "median_ms": round(statistics.median(times), 3)})
        print(f"  ranking {size} products: {statistics.median(times):.2f} ms", flush=True)
    return {"rows": rows, "slope": round(slope(sizes, [r["median_ms"] for r in rows]), 2)}
