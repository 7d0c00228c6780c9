"""The legacy import as the cut-over runs it (docs/cutover.md): a one-off container of the
production image, `manage import_legacy s3://…`, against the loopback PostgreSQL and S3 server.

The sample export is uploaded to the photos bucket outside photos/, as the runbook says; the
container reads it from there, imports it, and a second container run imports nothing.

CI imports a small sample (200 questionnaires, 52 photos); the cut-over's full-size rehearsal
(10,000 questionnaires, 2,000 photos) is the same test with
`EARFIT_CONTAINER_LEGACY_SAMPLE=10000,2000`.
"""

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.container import test_image as built
from tests.legacy.sample_export import generate_sample_export, pack_tar
from tests.s3 import S3Server

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]

# The image test's fixtures, by name (module-scoped: this module migrates a database of its own).
image, database, environment, migrated = built.image, built.database, built.environment, built.migrated

QUESTIONNAIRES, PHOTOS = (int(n) for n in os.environ.get("EARFIT_CONTAINER_LEGACY_SAMPLE", "200,52").split(","))
# An import's time grows with the photos (about 0.15 s each on 2 cores), with room for a busy machine.
IMPORT_TIMEOUT = 300 + 0.6 * PHOTOS


def _counts(report: str, kind: str) -> dict[str, int]:
    line = next(line for line in report.splitlines() if line.split()[:2] == [kind, "read"])
    pairs = re.findall(r"([a-z][a-z ]*?)\s+(\d+)", line.split(maxsplit=1)[1])
    return {name.strip().replace(" ", "_"): int(n) for name, n in pairs}


def test_the_sample_import_runs_in_a_one_off_container_and_a_second_run_changes_nothing(
    image: str,
    environment: dict[str, str],
    migrated: subprocess.CompletedProcess[str],
    s3_server: S3Server,
    tmp_path: Path,
) -> None:
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    folder = tmp_path / "fitfinder-export"
    expected = generate_sample_export(folder, questionnaires=QUESTIONNAIRES, photos=PHOTOS, seed=11)
    archive = pack_tar(folder, tmp_path / "fitfinder-export.tar.gz")
    bucket, key = environment["PHOTO_S3_BUCKET"], "legacy-import/fitfinder-export.tar.gz"
    s3_server.client().upload_file(str(archive), bucket, key, ExtraArgs={"ServerSideEncryption": "AES256"})

    first = built._container_run(
        image, environment, "manage", "import_legacy", f"s3://{bucket}/{key}", "--no-progress", timeout=IMPORT_TIMEOUT
    )

    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    print(first.stdout[-4000:])  # the reconciliation report, shown with pytest -s
    assert "reconciled in" in first.stdout
    questionnaires = _counts(first.stdout, "questionnaires")
    assert questionnaires["read"] == expected.read["questionnaire"]
    assert questionnaires["imported"] == expected.imported["questionnaire"]
    photos = _counts(first.stdout, "photos")
    assert photos["read"] == expected.read["photo"]
    assert f"skipped, past retention: {len(expected.past_retention_ids)}" in first.stdout
    with psycopg.connect(environment["DATABASE_URL"]) as db:
        fittings = db.execute("SELECT count(*) FROM recommendations_fitting").fetchone()
        stored = db.execute("SELECT count(*) FROM recommendations_earphoto").fetchone()
    assert fittings == (expected.imported["questionnaire"],)
    assert stored == (photos["imported"],)

    second = built._container_run(
        image, environment, "manage", "import_legacy", f"s3://{bucket}/{key}", "--no-progress", timeout=IMPORT_TIMEOUT
    )

    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    again: dict[str, Any] = _counts(second.stdout, "photos")
    assert again["imported"] == 0
    assert again["already_imported"] == photos["imported"]
    assert _counts(second.stdout, "questionnaires")["imported"] == 0
