"""Re-measure stored ear photos with a model version, and rank their fittings again.

Use it after activating a new version (or before, to compare) so photos stored under the old one
are measured by the new one: new photos already are. What happens to each photo, and why a photo
the new version rejects loses its measurements, is in `recommendations/remeasure/services.py`.
Idempotent: photos already measured by the version are skipped, so a second run reads and changes
nothing. Every photo read and the run itself are audited. Exits non-zero when storage or the
model is unavailable; what was committed stays, and a second run goes on from there.

    manage.py remeasure --model 2.0.0 --dry-run
    manage.py remeasure --model earnet-2.0.0 --batch-size 100
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from earfit.exceptions import DependencyUnavailable
from recommendations.remeasure.services import ear_photos_remeasure, model_version_named


class Command(BaseCommand):
    help = "Re-measure stored ear photos with a model version and rank the affected fittings again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="The version: 2.0.0 or earnet-2.0.0.")
        parser.add_argument("--batch-size", type=int, default=50, help="Photos per progress step (50).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be re-measured; read nothing.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (it is off when not a TTY).")

    def handle(self, *args: Any, model: str, batch_size: int, dry_run: bool, no_progress: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        version = model_version_named(model=model)
        if version is None:
            raise CommandError(f"remeasure: no model version {model!r} is registered or shipped")
        try:
            with tqdm(
                unit="photo",
                desc=f"re-measuring with {version}",
                file=self.stderr._out,
                disable=True if no_progress or dry_run else None,
            ) as bar:

                def total(photos: int) -> None:
                    bar.reset(total=photos)

                result = ear_photos_remeasure(
                    model_version=version,
                    batch_size=batch_size,
                    dry_run=dry_run,
                    on_progress=bar.update,
                    on_total=total,
                )
        except DependencyUnavailable as exc:
            raise CommandError(
                f"remeasure stopped: {exc.dependency} unavailable. What was committed stays; run it again to go on."
            ) from exc
        self.stdout.write(f"remeasure: {result.summary()}")
