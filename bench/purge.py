"""Benchmark: the batched purge against a one-object-at-a-time purge, same 5,000 photos, real S3 server.

    .venv/bin/python bench/purge.py [--photos 5000]      (or: make bench)

Starts its own SeaweedFS S3 server on loopback, creates a throwaway test database (SQLite, or
PostgreSQL when DATABASE_URL is set), and for each method stores the same number of expired
photos (one object each, one version) and times the purge alone. The two methods take turns,
`--rounds` times (the first method alternates), so that the machine's load of the moment weighs on
both alike; each round's ratio is printed, and the speed-up is their median. Draws a bar chart of
the median times to bench/results/purge.png.

One-at-a-time is what the purge would be without batching: for each expired photo, in its own
transaction, lock the row, list that object's versions, delete each version with its own
request, empty the row and write its audit event (the batched purge writes the same events, in
bulk per batch).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "earfit.settings.test")
# Its own SQLite file, so a benchmark never shares (or destroys) the test suite's database.
os.environ.setdefault("TEST_DATABASE_NAME", str(ROOT / "var" / "bench-purge.sqlite3"))

import django  # noqa: E402 -- Django is set up before the project's modules are imported

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from bench.pairing import paired_speedup  # noqa: E402
from recommendations.models import EarPhoto  # noqa: E402
from recommendations.photos.services.purge import (  # noqa: E402
    _audit_photos_purged,
    _purged_fields,
    ear_photo_purge_expired,
)
from recommendations.photos.storage import photo_object_key_versions, photo_storage  # noqa: E402
from tests.recommendations.photos.photo_rows import expired, photo_rows, put_objects  # noqa: E402
from tests.s3 import PhotoBucket, S3Server, photos_storage_settings  # noqa: E402


def purge_one_at_a_time() -> int:
    client = photo_storage().connection.meta.client  # type: ignore[attr-defined]
    bucket = photo_storage().bucket_name  # type: ignore[attr-defined]
    purged = 0
    for pk in EarPhoto.objects.filter(purged_at__isnull=True, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            photo = EarPhoto.objects.select_for_update().get(pk=pk)
            for version in photo_object_key_versions([photo.storage_key]):
                client.delete_object(Bucket=bucket, Key=version.key, VersionId=version.version_id)
            EarPhoto.objects.filter(pk=pk).update(**_purged_fields(timezone.now()))
            _audit_photos_purged([pk])
        purged += 1
    return purged


def prepare(server: S3Server, count: int) -> override_settings:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    server.create_bucket(name)
    bucket = PhotoBucket(name=name, client=server.client())
    keys = [f"photos/2026/08/01/bench/{uuid.uuid4().hex}-left.jpg" for _ in range(count)]
    EarPhoto.objects.all().delete()
    photo_rows(keys=keys, expires_at=expired())
    put_objects(bucket, keys)
    return override_settings(STORAGES=photos_storage_settings(endpoint=server.endpoint, bucket=name))


def chart(results: dict[str, float], speedup: float, path: Path) -> None:
    width, height, margin = 640, 260, 20
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    longest = max(results.values())
    draw.text((margin, 8), "Purge of the same expired photos on a loopback S3 server (median seconds)", fill="black")
    draw.text((margin, 24), f"speed-up, median of paired rounds: {speedup:.1f}x", fill="black")
    for row, (label, seconds) in enumerate(results.items()):
        top = 60 + row * 90
        bar = int((width - 2 * margin - 230) * seconds / longest)  # room for the label after the longest
        draw.text((margin, top + 20), label, fill="black")
        draw.rectangle([margin + 150, top, margin + 150 + max(bar, 2), top + 50], fill="#2b6cb0")
        draw.text((margin + 160 + bar, top + 20), f"{seconds:.1f} s", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def batched(count: int) -> None:
    result = ear_photo_purge_expired()
    assert result.photos_purged == count, result


def one_at_a_time(count: int) -> None:
    assert purge_one_at_a_time() == count


METHODS: dict[str, Callable[[int], None]] = {"batched": batched, "one at a time": one_at_a_time}
SETTLE_SECONDS = 1.0  # after the photos are stored, before the clock starts: the server's own writes end


def timed(method: Callable[[int], None], server: S3Server, count: int) -> float:
    with prepare(server, count):
        time.sleep(SETTLE_SECONDS)
        started = time.perf_counter()
        method(count)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    times: dict[str, list[float]] = {label: [] for label in METHODS}
    print(f"photos: {args.photos} ({connection.vendor}), {args.rounds} rounds")
    with tempfile.TemporaryDirectory() as directory:
        server = S3Server(directory=Path(directory)).start()
        try:
            for round_ in range(args.rounds):
                order = list(METHODS) if round_ % 2 == 0 else list(reversed(METHODS))
                for label in order:
                    times[label].append(timed(METHODS[label], server, args.photos))
                batched_s, single_s = times["batched"][-1], times["one at a time"][-1]
                print(
                    f"round {round_ + 1}: batched {batched_s:6.2f} s, one at a time {single_s:6.2f} s,"
                    f" {single_s / batched_s:5.1f}x",
                    flush=True,
                )
        finally:
            server.stop()
            connection.creation.destroy_test_db(old_name, verbosity=0)
    medians = {label: statistics.median(seconds) for label, seconds in times.items()}
    speedup = paired_speedup(times["one at a time"], times["batched"])
    for label, seconds in medians.items():
        print(f"{label:>14}: {seconds:7.2f} s median  ({args.photos / seconds:7.0f} photos/s)")
    print(
        f"{'speed-up':>14}: {speedup:7.1f}x (median of the rounds' ratios; ratio of medians {medians['one at a time'] / medians['batched']:.1f}x)"
    )
    chart(medians, speedup, ROOT / "bench" / "results" / "purge.png")
    print("chart: bench/results/purge.png")


if __name__ == "__main__":
    main()
