"""A fitting: start one, read or erase it, its recommendation, and feedback on a product.

One APIView per operation; `FittingApi` carries two (read and erase) because they share one URL.
"""

import json
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import OwnerChecksInSelector
from earfit.api.fields import StrictBooleanField, StrictCharField, StrictIntegerField
from earfit.api.serializers import ErrorSerializer
from earfit.throttling import FeedbackThrottle, FittingCreateThrottle, RecommendationReadThrottle
from recommendations.api import examples
from recommendations.api.common import (
    ERRORS,
    FITTING_ID,
    EarPhotoSerializer,
    FittingResponseMixin,
    ProductSerializer,
    fitting_for_request,
)
from recommendations.api.throttles import FittingTokenThrottle
from recommendations.fittings.services import (
    fit_feedback_record,
    fitting_create,
    fitting_erase,
    recommendation_answer,
)
from recommendations.models import FitOutcome, Fitting, Recommendation, RecommendationItem
from recommendations.questionnaire import QUESTIONNAIRE_V1
from recommendations.questionnaire.schema import answers_json_schema
from recommendations.ranking import product_tip_note
from recommendations.vocabulary import TIP_SIZE_CHOICES


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


TIP_SIZE_OR_NULL = serializers.ChoiceField(choices=TIP_SIZE_CHOICES, allow_null=True)


class RecommendationItemSerializer(serializers.ModelSerializer[RecommendationItem]):
    # Declared, not derived: a model integer's range differs between database backends, and the
    # schema must be the same whichever database generated it.
    rank = serializers.IntegerField(min_value=1)
    tip_size = serializers.SerializerMethodField()
    tip_size_note = serializers.SerializerMethodField(
        help_text="Why this product's tip size differs from the recommended one; empty when it is the same."
    )
    reasons = serializers.ListField(child=serializers.CharField())
    product = ProductSerializer()

    class Meta:
        model = RecommendationItem
        fields = ["rank", "score", "tip_size", "tip_size_note", "reasons", "product"]

    @extend_schema_field(TIP_SIZE_OR_NULL)
    def get_tip_size(self, item: RecommendationItem) -> str | None:
        return item.tip_size or None

    def get_tip_size_note(self, item: RecommendationItem) -> str:
        return product_tip_note(suggested=item.recommendation.tip_size or None, chosen=item.tip_size or None)


class TipSizeSerializer(serializers.Serializer[Any]):
    size = serializers.ChoiceField(choices=TIP_SIZE_CHOICES, allow_null=True)
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


@extend_schema_field(answers_json_schema(QUESTIONNAIRE_V1))
class AnswersField(serializers.DictField):
    """The answers, checked against the questionnaire version by the service; the schema documents
    the current version's questions exactly."""


# What the service accepts, for the schema: the current consent text and questionnaire version,
# and consent given (the service answers `consent_outdated`, `unknown_questionnaire_version` and
# `consent_required` to anything else).
@extend_schema_field({"type": "string", "enum": [settings.CONSENT_TEXT_VERSION]})
class ConsentVersionField(serializers.CharField):
    pass


@extend_schema_field({"type": "boolean", "enum": [True]})
class ConsentAcceptedField(StrictBooleanField):
    pass


@extend_schema_field({"type": "integer", "enum": [1]})
class QuestionnaireVersionField(serializers.IntegerField):
    pass


def _example(summary: str, value: Any, status: int) -> OpenApiExample:
    return OpenApiExample(summary, value=value, response_only=True, status_codes=[str(status)])


class FittingCreateApi(FittingResponseMixin, APIView):
    permission_classes = [AllowAny]
    throttle_classes = [FittingCreateThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        class ConsentSerializer(serializers.Serializer[Any]):
            version = ConsentVersionField(
                max_length=32, help_text="The consent text's version, as `GET /questionnaire` gives it."
            )
            accepted = ConsentAcceptedField(help_text="Must be true: the shopper ticked the consent box.")

        class Meta:
            ref_name = "FittingCreateInput"

        questionnaire_version = QuestionnaireVersionField(
            min_value=1, help_text="The version `GET /questionnaire` gives."
        )
        answers = AnswersField()
        consent = ConsentSerializer()

    class OutputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "FittingCreated"

        id = serializers.UUIDField()
        access_token = serializers.CharField(help_text="Shown once. Present as `Authorization: Bearer <token>`.")
        status = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="fitting_create",
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input. `code` is `invalid` (a field of the wrong type) or one of: "
                + ", ".join(f"`{code}`" for code in examples.FITTING_CREATE_CODES)
                + "; `extra.fields` names each field.",
            ),
        },
        examples=[
            _example("The fitting is started; the token is shown once", examples.FITTING_CREATED_EXAMPLE, 201),
            _example("The consent box was not ticked", examples.CONSENT_REQUIRED_EXAMPLE, 400),
            _example("An answer is not one of the choices", examples.INVALID_ANSWERS_EXAMPLE, 400),
            OpenApiExample(
                "A commuter who wants wireless in-ear earphones",
                request_only=True,
                value={
                    "questionnaire_version": 1,
                    "answers": examples.ANSWERS_EXAMPLE,
                    "consent": {"version": "2026-11-01", "accepted": True},
                },
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        created = fitting_create(
            questionnaire_version=data["questionnaire_version"],
            answers=data["answers"],
            consent_version=data["consent"]["version"],
            consent_accepted=data["consent"]["accepted"],
            user=request.user,
        )
        output = {
            "id": created.fitting.id,
            "access_token": created.access_token,
            "status": created.fitting.status,
            "created_at": created.fitting.created_at,
        }
        return Response(self.OutputSerializer(output).data, status=status.HTTP_201_CREATED)


class FittingApi(FittingResponseMixin, APIView):
    permission_classes = [OwnerChecksInSelector]
    throttle_classes = [FittingTokenThrottle]

    @extend_schema(
        operation_id="fitting_retrieve",
        parameters=[FITTING_ID],
        responses={200: FittingSerializer, 404: ERRORS[404]},
        examples=[_example("A fitting with one measured photo", examples.FITTING_EXAMPLE, 200)],
    )
    def get(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        return Response(FittingSerializer(fitting).data)

    @extend_schema(
        operation_id="fitting_erase",
        parameters=[FITTING_ID],
        request=None,
        responses={204: None, 404: ERRORS[404], 429: ERRORS[429]},
        description="Erase the fitting's personal data now. Idempotent: a second call answers 204 too.",
    )
    def delete(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id, include_erased=True)
        fitting_erase(fitting=fitting)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FittingRecommendationApi(FittingResponseMixin, APIView):
    permission_classes = [OwnerChecksInSelector]
    throttle_classes = [RecommendationReadThrottle, FittingTokenThrottle]

    @extend_schema(
        operation_id="fitting_recommendation",
        parameters=[FITTING_ID],
        responses={200: RecommendationSerializer, 404: ERRORS[404]},
        examples=[_example("Ranked from the answers alone", examples.RECOMMENDATION_EXAMPLE, 200)],
    )
    def get(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        return Response(recommendation_answer(fitting=fitting, render=_render_recommendation))


def _render_recommendation(recommendation: Recommendation) -> Any:
    """The answer as plain JSON data (what the cache keeps)."""
    return json.loads(JSONRenderer().render(RecommendationSerializer(recommendation).data))


class FitFeedbackCreateApi(FittingResponseMixin, APIView):
    permission_classes = [OwnerChecksInSelector]
    throttle_classes = [FeedbackThrottle, FittingTokenThrottle]

    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "FitFeedbackInput"

        product_id = StrictIntegerField(min_value=1)
        fit = serializers.ChoiceField(choices=FitOutcome.choices)
        comfort = StrictIntegerField(min_value=1, max_value=5, help_text="1 (painful) to 5 (very comfortable).")
        comment = StrictCharField(max_length=1000, required=False, allow_blank=True, default="")

    class OutputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "FitFeedback"

        id = serializers.IntegerField()
        product_id = serializers.IntegerField()
        fit = serializers.ChoiceField(choices=FitOutcome.choices)
        comfort = serializers.IntegerField()
        comment = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="fit_feedback_create",
        parameters=[FITTING_ID],
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input: `invalid`, or `unknown_product` for a product not in the catalog.",
            ),
            404: ERRORS[404],
        },
        examples=[
            _example("The feedback is recorded", examples.FEEDBACK_EXAMPLE, 201),
            _example("The product is not in the catalog", examples.UNKNOWN_PRODUCT_EXAMPLE, 400),
            OpenApiExample(
                "The recommended earphones fitted well",
                request_only=True,
                value={"product_id": 1, "fit": "right", "comfort": 4, "comment": "Medium tips seal well."},
            ),
        ],
    )
    def post(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = fit_feedback_record(fitting=fitting, **serializer.validated_data)
        return Response(self.OutputSerializer(feedback).data, status=status.HTTP_201_CREATED)
