"""Benchmark: stream the audit CSV export over 100,000 and 1,000,000 rows.

For each size it loads a valid chain in bulk (hashes computed in Python, as `chain_link` does),
then streams `GET /api/v1/audit/events.csv` through the real view and generator, twice: once
timed (rows per second), once under tracemalloc (peak Python memory while streaming). It also
samples the process's resident memory during the timed run. Constant memory means the peaks at
100,000 and 1,000,000 rows are about the same.

    make bench-audit                                   # SQLite file in var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/earfit_bench make bench-audit

Writes bench/results/audit_export_<database>.json and .png. The database is the
benchmark's own (it empties the audit table): never point it at real data.
"""

import argparse
import json
import os
import sys
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "earfit.settings.test")  # DEBUG off: no query log growing
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench-audit.sqlite3'}")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402 -- settings must be chosen before Django loads

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIRequestFactory, force_authenticate  # noqa: E402

from accounts.api.views import AuditEventExportApi  # noqa: E402
from accounts.audit.chain import GENESIS_HASH, chain_link  # noqa: E402
from accounts.audit.models import AuditEvent  # noqa: E402
from accounts.models import Role, User  # noqa: E402

BATCH = 5000


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load(rows: int) -> float:
    """Empty the audit table and append `rows` valid rows; returns seconds taken."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # The benchmark's own throwaway file: loading need not survive a power cut.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
        if connection.vendor == "postgresql":
            cursor.execute("SET earfit.audit_truncate = 'allow'")  # the benchmark's own database
            cursor.execute("TRUNCATE accounts_auditevent")
        else:
            cursor.execute("DELETE FROM accounts_auditevent")
    start = timezone.now() - timedelta(seconds=rows)
    actions = ["fitting.created", "recommendation.generated", "product.changed", "fitting.erased"]
    head = (0, GENESIS_HASH)
    for offset in range(0, rows, BATCH):
        events = [
            AuditEvent(
                occurred_at=start + timedelta(seconds=i),
                actor_type="fitting",
                actor_id=f"3f2c9a1e-0000-4000-8000-{i:012d}",
                action=actions[i % 4],
                object_type="fitting",
                object_id=f"3f2c9a1e-0000-4000-8000-{i:012d}",
                request_id=f"{i:032x}",
                payload={"questionnaire_version": 1, "items": 5},
            )
            for i in range(offset, min(offset + BATCH, rows))
        ]
        with transaction.atomic():
            AuditEvent.objects.bulk_create(list(chain_link(events, after=head)))
        head = (events[-1].seq, events[-1].hash)
    return time.perf_counter() - started


def export(auditor: User, *, sample_rss: bool) -> tuple[int, int, float, float]:
    """Stream the export through the real view; returns (pieces, bytes, seconds, peak RSS growth MiB)."""
    request = APIRequestFactory().get("/api/v1/audit/events.csv")
    force_authenticate(request, user=auditor)
    started = time.perf_counter()
    base = peak = rss_mib()
    response: Any = AuditEventExportApi.as_view()(request)
    pieces = size = 0
    for chunk in response.streaming_content:
        pieces += 1
        size += len(chunk)
        if sample_rss and pieces % 50 == 0:
            peak = max(peak, rss_mib())
    seconds = time.perf_counter() - started
    last = chunk.decode()
    if ": OK:" not in last:
        raise SystemExit(f"the export did not verify: {last}")
    return pieces, size, seconds, peak - base


def chart(results: list[dict[str, Any]], path: Path) -> None:
    from PIL import Image, ImageDraw

    width, height, margin = 640, 300, 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    panels = [
        ("rows per second", "rows_per_second", "{:,.0f}"),
        ("peak memory while streaming (MiB)", "peak_mib", "{:.1f}"),
    ]
    panel_width = (width - 3 * margin) // 2
    for index, (title, key, fmt) in enumerate(panels):
        left = margin + index * (panel_width + margin)
        draw.text((left, 10), title, fill="black")
        top_value = max(r[key] for r in results) or 1
        bar_width = panel_width // (2 * len(results))
        for n, result in enumerate(results):
            bar_height = int((height - 90) * result[key] / top_value)
            x = left + n * 2 * bar_width + bar_width // 2
            draw.rectangle(
                [x, height - 40 - bar_height, x + bar_width, height - 40], fill=("#4c78a8", "#f58518")[n % 2]
            )
            draw.text((x, height - 55 - bar_height), fmt.format(result[key]), fill="black")
            draw.text((x, height - 32), f"{result['rows']:,} rows", fill="black")
    image.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    auditor, _ = User.objects.get_or_create(username="bench-auditor", defaults={"role": Role.AUDITOR})
    results = []
    for rows in args.rows:
        load_seconds = load(rows)
        pieces, size, seconds, rss_growth = export(auditor, sample_rss=True)
        tracemalloc.start()
        export(auditor, sample_rss=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result = {
            "rows": rows,
            "database": connection.vendor,
            "load_seconds": round(load_seconds, 1),
            "export_seconds": round(seconds, 1),
            "rows_per_second": round(rows / seconds),
            "megabytes": round(size / 1e6, 1),
            "peak_mib": round(peak / 2**20, 2),
            "rss_growth_mib": round(rss_growth, 1),
            "stream_pieces": pieces,
        }
        results.append(result)
        print(json.dumps(result), flush=True)
    stem = RESULTS / f"audit_export_{connection.vendor}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    chart(results, stem.with_suffix(".png"))
    print(f"wrote {stem}.json and {stem}.png")


if __name__ == "__main__":
    main()
