"""Score an ear-measurement model version before anyone activates it, with 95 % confidence intervals.

``evaluate_model VERSION`` renders held-out photos from seeds the training never saw (and never
used for calibration or selection), scores them per measurement and per condition (no card,
tilted card, hair, dark skin, low light, small ear), then runs the negative set (free-licence
photographs with no ear, fetched into an ignored cache, with and without a drawn card, at phone
size). The figures say how well the model recovers the renderer's ground truth and how often it
is fooled by real photographs without ears: accuracy on real ears stays unvalidated until the
model is checked against caliper measurements of real people (see the model card).
``--record`` recalibrates on the calibration seeds and writes the figures into the model card.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inference.errors import ModelIntegrityError, ModelUnavailable
from inference.registry import MODELS_DIR, default_spec, load_spec, read_model_card
from inference.training.evaluate import evaluate, evaluate_and_record
from recommendations.measuring.services import model_version_register
from recommendations.vocabulary import MEASUREMENT_LABELS


def _ci(block: dict[str, Any] | None, fmt: str = "{:.2f}") -> str:
    if not block:
        return "—"
    low, high = block["ci95"]
    return f"{fmt.format(block['value'])} ({fmt.format(low)}–{fmt.format(high)}, n={block['n']})"


class Command(BaseCommand):
    help = "Evaluate a model version on held-out renders and the negative set, with 95 % confidence intervals."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", nargs="?", help="Model version, e.g. 2.0.0 (default: the shipped model).")
        parser.add_argument("--card", type=Path, help="A model card path instead of a version.")
        parser.add_argument("--photos", type=int, default=1000, help="Held-out photos to render and score.")
        parser.add_argument(
            "--negative-views", type=int, default=8, help="Views of each negative-set picture (0: skip the negatives)."
        )
        parser.add_argument(
            "--style", choices=("photo", "flat"), default="photo", help="Renderer (flat: EarNet 1.x's)."
        )
        parser.add_argument("--record", action="store_true", help="Recalibrate and write the figures into the card.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bars.")
        parser.add_argument(
            "--register", action="store_true", help="Record the model version (with these metrics) for the admin."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        card_path = options["card"] or (
            MODELS_DIR / f"earnet-{options['version']}.json" if options["version"] else None
        )
        try:
            spec = load_spec(card_path) if card_path else default_spec()
        except (ModelUnavailable, ModelIntegrityError) as exc:
            raise CommandError(f"Cannot load the model: {exc}") from exc
        if options["photos"] < 1:
            raise CommandError("--photos must be at least 1.")
        progress = not options["no_progress"]
        if options["record"]:
            summary = evaluate_and_record(
                spec.card_path, photos=options["photos"], negative_views=options["negative_views"], progress=progress
            )
        else:
            summary = evaluate(
                spec,
                photos=options["photos"],
                negative_views=options["negative_views"],
                style=options["style"],
                progress=progress,
            )
        self._print(spec.label, summary)
        if options["register"]:
            card = read_model_card(spec.card_path)
            version = model_version_register(
                card={**card, "metrics": {**card.get("metrics", {}), "evaluation": summary}}
            )
            self.stdout.write(self.style.SUCCESS(f"Registered {version} (activate it in the admin)."))

    def _print(self, label: str, summary: dict[str, Any]) -> None:
        out = self.stdout.write
        out(f"\nModel {label} on {summary['photos']} held-out {summary['renderer']} renders (seeds {summary['seeds']})")
        out("95 % confidence intervals in brackets (bootstrap over photos)\n")
        out(f"{'measurement':<26}{'MAE mm':<30}{'within ±1σ':<30}{'within ±2σ'}")
        for name, label_text in MEASUREMENT_LABELS.items():
            out(
                f"{label_text:<26}{_ci(summary['mae_mm'][name]):<30}"
                f"{_ci(summary['within_1_sigma'][name]):<30}{_ci(summary['within_2_sigma'][name])}"
            )
        out("")
        out(f"no_ear accuracy                      {_ci(summary['no_ear_accuracy'], '{:.3f}')}")
        out(f"no_reference_card accuracy           {_ci(summary['no_reference_card_accuracy'], '{:.3f}')}")
        out(f"mm given (photos with ear and card)  {_ci(summary['mm_given_on_photos_with_ear_and_card'], '{:.3f}')}")
        no_card = summary["mm_given_without_card"]
        out(f"mm given without a card              {no_card['count']} of {no_card['of']} photos")
        out("\nby condition (ear length MAE mm; share of photos with ear and card given mm)")
        for condition, block in summary["by_condition"].items():
            out(
                f"  {condition:<12} n={block['photos']:<5} {_ci(block['ear_length_mae_mm']):<30}{_ci(block['mm_given'], '{:.3f}')}"
            )
        negatives = summary.get("negative_set")
        if negatives:
            rate = negatives["ear_false_accept_rate"]
            out(
                f"\nnegative set: {negatives['photos']} photos of {negatives['pictures']} free-licence pictures "
                f"({negatives['with_drawn_card']} with a drawn card), {negatives['size']}"
            )
            out(
                f"  ear false accepts {negatives['ear_false_accepts']} = {rate['value']:.4f} "
                f"(95 % CI {rate['ci95_clopper_pearson'][0]:.4f}–{rate['ci95_clopper_pearson'][1]:.4f})"
            )
            out(f"  photos given mm   {negatives['photos_with_mm']}")
        out("\ntargets")
        for name, target in summary["targets"].items():
            out(f"  {'met    ' if target['met'] else 'MISSED '} {name}: {target['measured']}")
        out(f"\n{summary['note']}")
        out(f"seconds per photo {summary['seconds_per_photo']:.3f}")
