"""Score an ear-measurement model on the held-out rendered set, before anyone activates it.

The held-out set is rendered from seeds the training never saw, so the figures say how well the
model recovers the renderer's ground truth: real-world accuracy stays unvalidated until the model
is checked against caliper measurements of real ears (see the model card).
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.errors import ModelIntegrityError, ModelUnavailable
from inference.registry import default_spec, load_spec, read_model_card
from inference.training.evaluate import evaluate
from recommendations.measuring.services import model_version_register
from recommendations.vocabulary import MEASUREMENT_LABELS


class Command(BaseCommand):
    help = "Evaluate a model version on the held-out rendered set: MAE per measurement and tip-size agreement."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--card", type=Path, help="Model card to evaluate (default: the shipped model).")
        parser.add_argument("--photos", type=int, default=400, help="Held-out photos to render and score.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")
        parser.add_argument(
            "--register", action="store_true", help="Record the model version (with these metrics) for the admin."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            spec = load_spec(options["card"]) if options["card"] else default_spec()
        except (ModelUnavailable, ModelIntegrityError) as exc:
            raise CommandError(f"Cannot load the model: {exc}") from exc
        if options["photos"] < 1:
            raise CommandError("--photos must be at least 1.")
        report = evaluate(spec, photos=options["photos"], progress=not options["no_progress"])
        summary = report.summary()
        self.stdout.write(f"\nModel {spec.label} on {summary['photos']} held-out rendered photos\n")
        self.stdout.write(f"{'measurement':<26}{'MAE mm':>9}{'p95 mm':>9}{'±σ covers':>11}")
        for name, label in MEASUREMENT_LABELS.items():
            mae = summary["mae_mm"][name]
            p95 = summary["p95_abs_error_mm"][name]
            coverage = summary["uncertainty_coverage"][name]
            if mae is None:
                self.stdout.write(f"{label:<26}{'—':>9}")
                continue
            self.stdout.write(f"{label:<26}{mae:>9.2f}{p95:>9.2f}{coverage:>10.0%}")
        self.stdout.write("")
        self.stdout.write(f"no_ear detection accuracy            {summary['ear_detection_accuracy']:.1%}")
        self.stdout.write(f"no_reference_card detection accuracy {summary['card_detection_accuracy']:.1%}")
        self.stdout.write(f"tip-size agreement (when given)      {summary['tip_size_agreement_when_given']:.1%}")
        self.stdout.write(f"tip-size abstention rate             {summary['tip_size_abstention_rate']:.1%}")
        self.stdout.write(f"seconds per photo                    {summary['seconds_per_photo']:.3f}")
        if options["register"]:
            card = read_model_card(spec.card_path)
            version = model_version_register(
                card={**card, "metrics": {**card.get("metrics", {}), "evaluation": summary}}
            )
            self.stdout.write(self.style.SUCCESS(f"Registered {version} (activate it in the admin)."))
