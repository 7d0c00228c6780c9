"""The catalog, the questionnaire, fittings and what they produce: every table of the app.

Writes go through each concern's `services`; nothing here has behaviour beyond data and
constraints. Choices come from `vocabulary.py`.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from recommendations.vocabulary import (
    FORM_FACTOR_CHOICES,
    SCALE_CHOICES,
    TIP_SIZE_CHOICES,
    TIP_SIZE_LISTS,
    WATER_RESISTANCE_CHOICES,
    WaterResistance,
    tip_sizes_problem,
)


def _millimetres(label: str, help_text: str) -> "models.DecimalField[Decimal | None, Decimal | None]":
    """An optional length of the product's fit geometry, in mm to a tenth."""
    return models.DecimalField(
        f"{label} (mm)", max_digits=4, decimal_places=1, null=True, blank=True, help_text=help_text
    )


class Product(models.Model):
    """A headset or earphone with the geometry that decides how it fits.

    Labels and help texts are what catalog managers read in the admin: in words, with units.
    """

    slug = models.SlugField(
        "web name", max_length=120, unique=True, help_text="Lower case, digits and hyphens; filled in from the name."
    )
    brand = models.CharField(max_length=80)
    model = models.CharField("model name", max_length=120)
    form_factor = models.CharField(
        "kind",
        max_length=16,
        choices=FORM_FACTOR_CHOICES,
        help_text="How it is worn: in the ear canal, in the outer ear, over or on the ear, open, or on a hook.",
    )
    description = models.TextField(blank=True)
    # Fit geometry. In-ear: tips and nozzle; in-ear, earbud, open and ear-hook: the shell that
    # sits in or on the concha; over-ear and on-ear: the cup opening and clamp force.
    tip_sizes = models.JSONField(
        "ear tips in the box", default=list, blank=True, help_text="The ear-tip sizes that come with the product."
    )
    nozzle_diameter_mm = _millimetres(
        "nozzle diameter",
        "In-ear only: the width of the tube the tip sits on.",
    )
    shell_length_mm = _millimetres(
        "shell length",
        "In-ear, earbud, open and ear-hook: the part that rests in the outer ear, top to bottom.",
    )
    shell_width_mm = _millimetres(
        "shell width",
        "The same part, front to back; compared with the shopper's concha width.",
    )
    cup_inner_height_mm = _millimetres(
        "cup opening height",
        "Over-ear and on-ear: the inside of the cushion, top to bottom; over-ear cups should clear the ear.",
    )
    cup_inner_width_mm = _millimetres(
        "cup opening width",
        "Over-ear and on-ear: the inside of the cushion, front to back.",
    )
    weight_g = models.DecimalField(
        "weight (g)",
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0)],
        help_text="Of one earpiece for earphones, of the whole headset for headphones.",
    )
    clamp_force_n = models.DecimalField(
        "clamp force (N)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        help_text="Headphones only: how hard the headband presses the cups together; most are 2.5 to 6 N.",
    )
    # Features.
    anc = models.BooleanField("active noise cancelling", default=False)
    wireless = models.BooleanField(default=True)
    water_resistance = models.CharField(
        max_length=8,
        choices=WATER_RESISTANCE_CHOICES,
        default=WaterResistance.NONE.value,
        help_text="The IP rating on the box, if any.",
    )
    microphone = models.BooleanField(default=True)
    price = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text="The usual shop price; compared with the budget shoppers choose (in euros).",
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="Three-letter code, such as EUR.")
    active = models.BooleanField(
        "in the catalog",
        default=True,
        db_index=True,
        help_text="Untick (or use the Retire action) to stop recommending it; products are never deleted.",
    )
    created_at = models.DateTimeField("added", auto_now_add=True)
    updated_at = models.DateTimeField("last changed", auto_now=True)

    class Meta:
        ordering = ["brand", "model"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "model"], name="product_brand_model_unique"),
            # Only a list the ranking reads: known sizes, each once, smallest first (vocabulary.py).
            models.CheckConstraint(condition=models.Q(tip_sizes__in=TIP_SIZE_LISTS), name="product_tip_sizes_known"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model}"

    def clean(self) -> None:
        problem = tip_sizes_problem(self.tip_sizes)
        if problem is not None:
            raise ValidationError({"tip_sizes": problem})


class Questionnaire(models.Model):
    """One version of the questions. Answers are validated against the version they were given for."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    questions = models.JSONField(help_text="List of {key, text, help, kind, required, choices}.")
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_questionnaire")
        ]

    def __str__(self) -> str:
        return f"Questionnaire v{self.version}"


class FittingStatus(models.TextChoices):
    OPEN = "open", "Open"
    ERASED = "erased", "Erased"


class Fitting(models.Model):
    """One shopper's fitting. Only the holder of its access token (stored as a hash) can see it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="fittings")
    answers = models.JSONField(default=dict, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="fittings"
    )
    status = models.CharField(max_length=16, choices=FittingStatus.choices, default=FittingStatus.OPEN)
    # A default, not auto_now_add: a fitting imported from the legacy system keeps its own time.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Fitting {self.id}"


class Consent(models.Model):
    """What the shopper agreed to, and when: kept apart from the answers."""

    fitting = models.OneToOneField(Fitting, on_delete=models.CASCADE, related_name="consent")
    text_version = models.CharField(max_length=32)
    purpose = models.TextField()
    retention_statement = models.TextField()
    given_at = models.DateTimeField(default=timezone.now, editable=False)  # legacy consents keep theirs

    def __str__(self) -> str:
        return f"Consent {self.text_version} for {self.fitting_id}"


class RecommendationBasis(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", "Questionnaire only"
    MEASUREMENTS = "measurements", "Measurements and questionnaire"


class Recommendation(models.Model):
    fitting = models.ForeignKey(Fitting, on_delete=models.CASCADE, related_name="recommendations")
    basis = models.CharField(max_length=16, choices=RecommendationBasis.choices)
    ranking_version = models.CharField(max_length=32)
    model_version = models.CharField(max_length=64, blank=True)
    photo = models.ForeignKey("EarPhoto", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tip_size = models.CharField(max_length=2, choices=TIP_SIZE_CHOICES, blank=True)
    tip_size_confidence = models.FloatField(default=0.0)
    tip_size_reason = models.TextField(blank=True)
    # What the ranking was computed from (answers, measurements, catalog, versions): a repeated
    # request with the same inputs returns the stored recommendation instead of a new one.
    inputs_digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)  # legacy ones keep theirs

    class Meta:
        ordering = ["-created_at"]
        # Two reads at once must not rank twice (recommendation_generate).
        constraints = [
            models.UniqueConstraint(fields=["fitting", "inputs_digest"], name="recommendation_inputs_unique")
        ]

    def __str__(self) -> str:
        return f"Recommendation {self.pk} ({self.basis})"


class RecommendationItem(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="recommendation_items")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField()
    tip_size = models.CharField(max_length=2, choices=TIP_SIZE_CHOICES, blank=True)
    reasons = models.JSONField(default=list)

    class Meta:
        ordering = ["rank"]
        constraints = [models.UniqueConstraint(fields=["recommendation", "rank"], name="item_rank_unique")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.product_id}"


class FitOutcome(models.TextChoices):
    TOO_LOOSE = "too_loose", "Too loose"
    RIGHT = "right", "Right"
    TOO_TIGHT = "too_tight", "Too tight"


class FitFeedback(models.Model):
    fitting = models.ForeignKey(Fitting, on_delete=models.CASCADE, related_name="feedback")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="feedback")
    fit = models.CharField("how it fitted", max_length=16, choices=FitOutcome.choices)
    comfort = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (painful) to 5 (very comfortable)."
    )
    comment = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField("sent", auto_now_add=True)

    class Meta:
        verbose_name = "fit feedback"
        verbose_name_plural = "fit feedback"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["fitting", "product"], name="feedback_product_unique")]

    def __str__(self) -> str:
        return f"{self.get_fit_display()} ({self.comfort}/5)"


class ModelVersion(models.Model):
    """An ear-measurement model the service can run, with its card. One is active at a time."""

    name = models.CharField(max_length=64)
    version = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64)
    licence = models.CharField(max_length=200)
    provenance = models.TextField(help_text="Where the training data came from.")
    metrics = models.JSONField(default=dict, blank=True)
    card = models.JSONField(default=dict, blank=True, help_text="The model card as shipped.")
    active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="model_version_unique"),
            models.UniqueConstraint(fields=["active"], condition=models.Q(active=True), name="one_active_model"),
        ]

    def __str__(self) -> str:
        return f"{self.name}-{self.version}"


class EarSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"


class EarPhoto(models.Model):
    """A stored ear photo: a metadata-free, downscaled re-encode, never the original bytes.

    The object lives in the private `photos` storage under `storage_key`; the row and the object
    exist together or not at all. Measurements and the keypoints behind them stay with the row
    until the photo expires (`expires_at`) or the shopper erases it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    fitting = models.ForeignKey(Fitting, on_delete=models.CASCADE, related_name="photos")
    side = models.CharField(max_length=8, choices=EarSide.choices)
    storage_key = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    scale = models.CharField(max_length=8, choices=SCALE_CHOICES)
    confidence = models.FloatField()
    quality = models.JSONField(default=dict)
    measurements = models.JSONField(default=dict)
    tip_size = models.CharField(max_length=2, choices=TIP_SIZE_CHOICES, blank=True)
    tip_size_confidence = models.FloatField(default=0.0)
    # Keypoints and card corners in stored-image pixels: enough to draw the overlay again.
    geometry = models.JSONField(default=dict)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="photos")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    purged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["fitting", "side", "-created_at"], name="photo_fitting_side")]

    def __str__(self) -> str:
        return f"{self.get_side_display()} ear photo {self.id}"


class LegacyRecordKind(models.TextChoices):
    PRODUCT = "product", "Product"
    QUESTIONNAIRE = "questionnaire", "Questionnaire (fitting)"
    RECOMMENDATION = "recommendation", "Recommendation"
    PHOTO = "photo", "Photo"


class LegacyRecord(models.Model):
    """What `import_legacy` made of one row of the legacy export: the import's memory.

    A row here means "done, never again": a second run skips it, so an import is idempotent, and
    a fitting the shopper has since erased (or a photo since purged) is not brought back. No
    foreign key, for that reason: the record outlives what it points at. `source_sha256` is the
    digest of the legacy row (or photo file) as read, for the reconciliation report.
    """

    kind = models.CharField(max_length=16, choices=LegacyRecordKind.choices)
    legacy_id = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    source_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["kind", "legacy_id"]
        constraints = [models.UniqueConstraint(fields=["kind", "legacy_id"], name="legacy_record_unique")]

    def __str__(self) -> str:
        return f"legacy {self.kind} {self.legacy_id} -> {self.target_id}"
