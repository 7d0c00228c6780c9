"""Benchmark: import_legacy over the full-size sample export, twice (the second run must change nothing).

    .venv/bin/python bench/legacy_import.py [--questionnaires 10000] [--photos 2000] [--seed 1]

Generates the sample (tests/legacy/sample_export.py) as a .tar.gz, starts its own SeaweedFS S3
server on loopback, creates a throwaway test database (SQLite, or PostgreSQL when DATABASE_URL is
set), and runs the import as `manage.py import_legacy` does, timing each kind of row. Prints the
reconciliation report of both runs and writes them to bench/results/legacy_import.json.
"""

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "earfit.settings.test")
os.environ.setdefault("TEST_DATABASE_NAME", str(ROOT / "var" / "bench-legacy.sqlite3"))

import django  # noqa: E402 -- Django is set up before the project's modules are imported

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from recommendations.legacy.export import legacy_export_open  # noqa: E402
from recommendations.legacy.report import LegacyImportReport  # noqa: E402
from recommendations.legacy.services import legacy_export_import  # noqa: E402
from recommendations.models import Questionnaire  # noqa: E402
from recommendations.questionnaire import QUESTIONNAIRE_V1, QUESTIONNAIRE_V1_TITLE  # noqa: E402
from tests.legacy.sample_export import SampleExpectation, generate_sample_export, pack_tar  # noqa: E402
from tests.s3 import S3Server, photos_storage_settings  # noqa: E402


def timed_import(archive: Path) -> tuple[LegacyImportReport, dict[str, float], float]:
    """One run; the seconds from each kind's first row to its last (phases run one after another)."""
    marks: dict[str, list[float]] = {}

    def progress(kind: str, n: int) -> None:
        now = time.perf_counter()
        marks.setdefault(kind, [now, now])[1] = now

    started = time.perf_counter()
    with legacy_export_open(path=archive) as export:
        opened = time.perf_counter()
        report = legacy_export_import(export=export, on_progress=progress)
    total = time.perf_counter() - started
    kinds = list(marks)
    phases = {"unpack and verify": opened - started}
    for index, kind in enumerate(kinds):
        begin = opened if index == 0 else marks[kinds[index - 1]][1]
        phases[kind + "s"] = marks[kind][1] - begin
    phases["checksums, object check, audit"] = started + total - marks[kinds[-1]][1]
    return report, phases, total


def planned(report: LegacyImportReport, expected: SampleExpectation) -> bool:
    """The first run's counts are the ones the generator planned (photos: the quality gate aside)."""
    counts = report.counts
    same = all(counts[kind].read == read for kind, read in expected.read.items())
    same &= all(counts[kind].imported == n for kind, n in expected.imported.items())
    same &= all(counts[kind].skipped == expected.skipped[kind] for kind in expected.imported)
    photo_skips = dict(counts["photo"].skipped)
    unusable = photo_skips.pop("unusable", 0)
    same &= photo_skips == dict(expected.skipped["photo"])
    return same and counts["photo"].imported + unusable == expected.photos_measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questionnaires", type=int, default=10_000)
    parser.add_argument("--photos", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    Questionnaire.objects.get_or_create(
        version=1, defaults={"title": QUESTIONNAIRE_V1_TITLE, "questions": QUESTIONNAIRE_V1, "active": True}
    )
    results = {}
    with tempfile.TemporaryDirectory() as directory:
        server = S3Server(directory=Path(directory) / "s3").start()
        try:
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            server.create_bucket(bucket)
            started = time.perf_counter()
            folder = Path(directory) / "fitfinder-export"
            expected = generate_sample_export(
                folder, questionnaires=args.questionnaires, photos=args.photos, seed=args.seed
            )
            archive = pack_tar(folder, Path(directory) / "fitfinder-export.tar.gz")
            generated = time.perf_counter() - started
            print(
                f"sample: {expected.read} rows, {archive.stat().st_size / 1e6:.1f} MB archive,"
                f" generated in {generated:.1f} s ({connection.vendor})",
                flush=True,
            )
            with override_settings(STORAGES=photos_storage_settings(endpoint=server.endpoint, bucket=bucket)):
                for run in ("first", "second"):
                    report, phases, total = timed_import(archive)
                    print(f"\n{run} run: {total:.1f} s")
                    for name, seconds in phases.items():
                        print(f"  {name:<32} {seconds:7.1f} s")
                    print("\n".join(report.lines()), flush=True)
                    if run == "first":
                        print(f"  as the sample generator planned: {'yes' if planned(report, expected) else 'NO'}")
                    results[run] = {"seconds": round(total, 1), "phases": phases, "report": report.as_dict()}
        finally:
            server.stop()
            connection.creation.destroy_test_db(old_name, verbosity=0)
    out = ROOT / "bench" / "results" / "legacy_import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"sample": expected.read, **results}, indent=2, default=str) + "\n")
    print(f"\nresults: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
