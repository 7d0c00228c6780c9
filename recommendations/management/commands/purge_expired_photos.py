"""Purge expired ear photos and orphaned photo objects, every stored version.

Retention policy: photos and their measurements are kept PHOTO_RETENTION_DAYS days after upload; this command is the application's expiry path, run daily by Celery beat, and the photo
bucket's lifecycle rule is the independent second one (both read `earfit/retention.py`).

Batched: the bucket is listed and versions deleted 1,000 per request; rows are emptied in bulk.
Idempotent and safe to run twice at once (rows are locked with SKIP LOCKED on PostgreSQL). Exits
non-zero when anything failed; what was committed stays purged, the rest waits for the next run.

    manage.py purge_expired_photos --dry-run
    manage.py purge_expired_photos --older-than 7d
"""

import re
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from earfit.exceptions import DependencyUnavailable
from recommendations.photos.selectors import ear_photo_count_expired
from recommendations.photos.services.purge import ear_photo_purge_expired

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNIT_SECONDS = {"": 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}


def duration(value: str) -> timedelta:
    """`7d`, `12h`, `30m`, `45s`, or a plain number of days."""
    match = _DURATION.match(value.strip())
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 7d, 12h, 30m)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


class Command(BaseCommand):
    help = "Delete expired ear photos (every object version) and orphaned photo objects."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; change nothing.")
        parser.add_argument(
            "--older-than",
            type=duration,
            default=timedelta(0),
            help="Only photos that expired at least this long ago (7d, 12h, 30m). Default: all expired.",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (it is off when not a TTY).")

    def handle(self, *args: Any, dry_run: bool, older_than: timedelta, no_progress: bool, **options: Any) -> None:
        try:
            total = ear_photo_count_expired(older_than=older_than)
            with tqdm(
                total=total,
                unit="photo",
                desc="would purge" if dry_run else "purging",
                file=self.stderr._out,
                disable=True if no_progress else None,
            ) as bar:
                result = ear_photo_purge_expired(older_than=older_than, dry_run=dry_run, on_progress=bar.update)
        except DependencyUnavailable as exc:
            raise CommandError(f"purge_expired_photos failed: {exc.dependency} unavailable ({exc})") from exc
        self.stdout.write(f"purge_expired_photos: {result.summary()}")
