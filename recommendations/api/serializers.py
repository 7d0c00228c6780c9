"""Output shapes shared by several shopper API views."""

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recommendations.models import EarPhoto, Fitting, Product, Recommendation, RecommendationItem, TipSize


class ErrorSerializer(serializers.Serializer[Any]):
    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()


# `label` and `required` are the contract's names. DRF moves declared fields off the class, so
# they do not shadow Field's attributes at run time, only in the type checker's eyes.


class ChoiceSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class QuestionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=["single", "multi", "boolean"])
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = ChoiceSerializer(many=True)


class ConsentTextSerializer(serializers.Serializer[Any]):
    version = serializers.CharField()
    text = serializers.CharField()
    purpose = serializers.CharField()
    retention_days = serializers.IntegerField()
    retention_statement = serializers.CharField()


class QuestionnaireSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField()
    title = serializers.CharField()
    questions = QuestionSerializer(many=True)
    consent = ConsentTextSerializer()


class ProductSerializer(serializers.ModelSerializer[Product]):
    price = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=True)
    tip_sizes = serializers.ListField(child=serializers.CharField())
    weight_g = serializers.FloatField()

    class Meta:
        model = Product
        fields = [
            "id",
            "slug",
            "brand",
            "model",
            "form_factor",
            "wireless",
            "anc",
            "water_resistance",
            "microphone",
            "price",
            "currency",
            "tip_sizes",
            "weight_g",
        ]
        # An output shape: every field is always sent, so the schema marks them all required.
        read_only_fields = fields


class MeasurementSerializer(serializers.Serializer[Any]):
    value = serializers.FloatField()
    uncertainty = serializers.FloatField()
    unit = serializers.ChoiceField(choices=["mm", "ratio"])


class QualityReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()


class QualitySerializer(serializers.Serializer[Any]):
    passed = serializers.BooleanField()
    reasons = QualityReasonSerializer(many=True)


class EarPhotoSerializer(serializers.ModelSerializer[EarPhoto]):
    measurements = serializers.DictField(child=MeasurementSerializer())
    quality = QualitySerializer()
    model_version = serializers.CharField(source="model_version.__str__")
    overlay_url = serializers.SerializerMethodField()

    class Meta:
        model = EarPhoto
        fields = [
            "id",
            "side",
            "created_at",
            "expires_at",
            "scale",
            "confidence",
            "measurements",
            "quality",
            "model_version",
            "overlay_url",
        ]

    def get_overlay_url(self, photo: EarPhoto) -> str:
        return reverse("ear-photo-overlay", kwargs={"fitting_id": photo.fitting_id, "photo_id": photo.id})


class FittingSerializer(serializers.ModelSerializer[Fitting]):
    questionnaire_version = serializers.IntegerField(source="questionnaire.version")
    answers = serializers.DictField()
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Fitting
        fields = ["id", "status", "questionnaire_version", "answers", "created_at", "photos"]
        read_only_fields = fields

    @extend_schema_field(EarPhotoSerializer(many=True))
    def get_photos(self, fitting: Fitting) -> Any:
        photos = fitting.photos.filter(purged_at__isnull=True).select_related("model_version").order_by("side")
        return EarPhotoSerializer(photos, many=True).data


TIP_SIZE_OR_NULL = serializers.ChoiceField(choices=TipSize.choices, allow_null=True)


class RecommendationItemSerializer(serializers.ModelSerializer[RecommendationItem]):
    # Declared, not derived: a model integer's range differs between database backends, and the
    # schema must be the same whichever database generated it.
    rank = serializers.IntegerField(min_value=1)
    tip_size = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.CharField())
    product = ProductSerializer()

    class Meta:
        model = RecommendationItem
        fields = ["rank", "score", "tip_size", "reasons", "product"]

    @extend_schema_field(TIP_SIZE_OR_NULL)
    def get_tip_size(self, item: RecommendationItem) -> str | None:
        return item.tip_size or None


class TipSizeSerializer(serializers.Serializer[Any]):
    size = serializers.ChoiceField(choices=TipSize.choices, allow_null=True)
    confidence = serializers.FloatField()
    abstained = serializers.BooleanField()
    reason = serializers.CharField()


QUESTIONNAIRE_ONLY_NOTICE = (
    "These recommendations come from your answers alone, without measurements of your ear. "
    "Add a photo of your ear with a bank card beside it for a better fit."
)


class RecommendationSerializer(serializers.ModelSerializer[Recommendation]):
    fitting_id = serializers.UUIDField()
    notice = serializers.SerializerMethodField()
    model_version = serializers.SerializerMethodField()
    tip_size = serializers.SerializerMethodField()
    items = RecommendationItemSerializer(many=True)

    class Meta:
        model = Recommendation
        fields = ["fitting_id", "basis", "notice", "ranking_version", "model_version", "tip_size", "items"]

    def get_notice(self, recommendation: Recommendation) -> str | None:
        return QUESTIONNAIRE_ONLY_NOTICE if recommendation.basis == "questionnaire" else None

    def get_model_version(self, recommendation: Recommendation) -> str | None:
        return recommendation.model_version or None

    @extend_schema_field(TipSizeSerializer)
    def get_tip_size(self, recommendation: Recommendation) -> dict[str, Any]:
        return TipSizeSerializer(
            {
                "size": recommendation.tip_size or None,
                "confidence": recommendation.tip_size_confidence,
                "abstained": not recommendation.tip_size,
                "reason": recommendation.tip_size_reason,
            }
        ).data
