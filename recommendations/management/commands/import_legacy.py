"""Import the legacy system's export: products, questionnaires, recommendations, photos.

The export's format is docs/legacy-export.md; when and how this runs in production is
docs/cutover.md. The policy (what is imported, what is never imported, the consent decision) is
in `recommendations/legacy/services.py`. Idempotent: run it again and it changes nothing; after a
failure, run it again and it goes on where it stopped. Exits 1 when the report does not reconcile.

    manage.py import_legacy /path/to/export          # a folder, .tar.gz or .zip
    manage.py import_legacy s3://<photos bucket>/legacy-import/export.tar.gz   # in an ECS task
    manage.py import_legacy export.tar.gz --dry-run  # read, map, check and measure; keep nothing
    manage.py import_legacy export.tar.gz --report report.json   # the report as JSON too
"""

import json
import tempfile
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from earfit.exceptions import DependencyUnavailable
from recommendations.legacy.export import LegacyExportInvalid, legacy_export_open
from recommendations.legacy.services import legacy_export_import
from recommendations.photos.storage import photo_bucket_file_download, photo_bucket_name

FILES = {
    "product": "products.csv",
    "questionnaire": "questionnaires.jsonl",
    "recommendation": "recommendations.csv",
    "photo": "photos.csv",
}


class Command(BaseCommand):
    help = "Import the legacy system's export (folder, .tar.gz or .zip) and print a reconciliation report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "export",
            help="The export: a folder, a .tar.gz or a .zip; or s3://<photos bucket>/<key> of an archive "
            "uploaded to the photos bucket outside photos/ (what a one-off ECS task reads).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Read, map, check and measure; keep nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Questionnaires per transaction (500).")
        parser.add_argument("--report", type=Path, help="Also write the report as JSON to this file.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bars (off when not a TTY).")

    def handle(
        self,
        *args: Any,
        export: str,
        dry_run: bool,
        batch_size: int,
        report: Path | None,
        no_progress: bool,
        **options: Any,
    ) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            with ExitStack() as bars:
                # Log lines (each skipped row, with its reason) print above the bars, not through them.
                bars.enter_context(logging_redirect_tqdm())
                try:
                    local = self._local(export, bars)
                except ValueError as exc:
                    raise CommandError(f"import_legacy: {exc}") from exc
                opened = bars.enter_context(legacy_export_open(path=local))
                bars_by_kind: dict[str, Any] = {}

                def advance(kind: str, rows: int) -> None:
                    # One bar per kind, opened when its rows start, so its rate and time are its own.
                    if kind not in bars_by_kind:
                        bars_by_kind[kind] = bars.enter_context(
                            tqdm(
                                total=opened.rows_expected(FILES[kind]),
                                desc=f"{kind}s",
                                unit="row",
                                file=self.stderr._out,
                                disable=True if no_progress else None,
                            )
                        )
                    bars_by_kind[kind].update(rows)

                result = legacy_export_import(
                    export=opened,
                    dry_run=dry_run,
                    batch_size=batch_size,
                    on_progress=advance,
                )
        except LegacyExportInvalid as exc:
            raise CommandError(f"import_legacy: the export is refused, nothing was imported: {exc}") from exc
        except DependencyUnavailable as exc:
            raise CommandError(
                f"import_legacy stopped: {exc.dependency} unavailable. What was committed stays; run it again to go on."
            ) from exc
        for line in result.lines():
            self.stdout.write(line)
        if report is not None:
            report.write_text(json.dumps(result.as_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if not result.balanced:
            raise CommandError("import_legacy: the report does not reconcile (see above)")

    def _local(self, export: str, cleanup: ExitStack) -> Path:
        """A local path for the export: an s3:// archive is downloaded to a temporary folder first."""
        if not export.startswith("s3://"):
            return Path(export)
        bucket, _, key = export.removeprefix("s3://").partition("/")
        if bucket != photo_bucket_name():
            raise ValueError(f"the export must be in the photos bucket ({photo_bucket_name() or 'none: not on S3'})")
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="earfit-legacy-")))
        target = folder / PurePosixPath(key).name
        self.stderr.write(f"downloading {export}")
        photo_bucket_file_download(key=key, target=target)
        return target
