"""The shopper-facing API: one APIView per operation, thin: parse, call a service, shape output.

`FittingApi` carries two operations (read and erase) because they share one URL.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from accounts.authentication import FittingToken
from accounts.permissions import OwnerChecksInSelector
from recommendations.api.serializers import (
    ErrorSerializer,
    FittingSerializer,
    ProductSerializer,
    QuestionnaireSerializer,
    RecommendationSerializer,
)
from recommendations.models import FitOutcome, FormFactor
from recommendations.questionnaire import CONSENT_PURPOSE, CONSENT_TEXT, retention_statement
from recommendations.selectors import fitting_get_for_owner, product_list_active, questionnaire_get_active
from recommendations.services import (
    fit_feedback_record,
    fitting_create,
    fitting_erase,
    recommendation_generate,
)

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input."),
    404: OpenApiResponse(ErrorSerializer, description="No such fitting for this client."),
    503: OpenApiResponse(ErrorSerializer, description="A dependency is down; retry after Retry-After."),
}
FITTING_ID = OpenApiParameter("fitting_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


def _owner_token(request: Request) -> str | None:
    return str(request.auth) if isinstance(request.auth, FittingToken) else None


def fitting_for_request(request: Request, fitting_id: Any, *, include_erased: bool = False) -> Any:
    return fitting_get_for_owner(
        fitting_id=fitting_id, token=_owner_token(request), user=request.user, include_erased=include_erased
    )


class QuestionnaireActiveApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    @extend_schema(operation_id="questionnaire_active", responses={200: QuestionnaireSerializer})
    def get(self, request: Request) -> Response:
        questionnaire = questionnaire_get_active()
        data = {
            "version": questionnaire.version,
            "title": questionnaire.title,
            "questions": questionnaire.questions,
            "consent": {
                "version": settings.CONSENT_TEXT_VERSION,
                "text": CONSENT_TEXT,
                "purpose": CONSENT_PURPOSE,
                "retention_days": settings.PHOTO_RETENTION_DAYS,
                "retention_statement": retention_statement(settings.PHOTO_RETENTION_DAYS),
            },
        }
        return Response(QuestionnaireSerializer(data).data)


class FittingCreateApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "fitting_create"

    class InputSerializer(serializers.Serializer[Any]):
        class ConsentSerializer(serializers.Serializer[Any]):
            version = serializers.CharField(max_length=32)
            accepted = serializers.BooleanField(help_text="Must be true: the shopper ticked the consent box.")

        class Meta:
            ref_name = "FittingCreateInput"

        questionnaire_version = serializers.IntegerField(min_value=1)
        answers = serializers.DictField(help_text="Answers keyed by question key, as the questionnaire defines.")
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
        responses={201: OutputSerializer, 400: ERRORS[400], 429: OpenApiResponse(ErrorSerializer)},
        examples=[
            OpenApiExample(
                "A commuter who wants wireless in-ear earphones",
                request_only=True,
                value={
                    "questionnaire_version": 1,
                    "answers": {
                        "uses": ["commute", "calls"],
                        "form_factor": "in_ear",
                        "noise_cancelling": "must",
                        "wireless": "wireless",
                        "budget": "150_300",
                        "glasses": False,
                        "past_problems": ["falls_out"],
                        "current_tip_size": "M",
                    },
                    "consent": {"version": "2026-11-01", "accepted": True},
                },
            )
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
        response = Response(self.OutputSerializer(output).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class FittingApi(APIView):
    permission_classes = [OwnerChecksInSelector]

    @extend_schema(
        operation_id="fitting_retrieve",
        parameters=[FITTING_ID],
        responses={200: FittingSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        return Response(FittingSerializer(fitting).data)

    @extend_schema(
        operation_id="fitting_erase",
        parameters=[FITTING_ID],
        request=None,
        responses={204: None, 404: ERRORS[404]},
        description="Erase the fitting's personal data now. Idempotent: a second call answers 204 too.",
    )
    def delete(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id, include_erased=True)
        fitting_erase(fitting=fitting)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FittingRecommendationApi(APIView):
    permission_classes = [OwnerChecksInSelector]

    @extend_schema(
        operation_id="fitting_recommendation",
        parameters=[FITTING_ID],
        responses={200: RecommendationSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        recommendation = recommendation_generate(fitting=fitting)
        return Response(RecommendationSerializer(recommendation).data)


class FitFeedbackCreateApi(APIView):
    permission_classes = [OwnerChecksInSelector]

    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "FitFeedbackInput"

        product_id = serializers.IntegerField(min_value=1)
        fit = serializers.ChoiceField(choices=FitOutcome.choices)
        comfort = serializers.IntegerField(min_value=1, max_value=5, help_text="1 (painful) to 5 (very comfortable).")
        comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

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
        responses={201: OutputSerializer, 400: ERRORS[400], 404: ERRORS[404]},
        examples=[
            OpenApiExample(
                "The recommended earphones fitted well",
                request_only=True,
                value={"product_id": 1, "fit": "right", "comfort": 4, "comment": "Medium tips seal well."},
            )
        ],
    )
    def post(self, request: Request, fitting_id: str) -> Response:
        fitting = fitting_for_request(request, fitting_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = fit_feedback_record(fitting=fitting, **serializer.validated_data)
        return Response(self.OutputSerializer(feedback).data, status=status.HTTP_201_CREATED)


class ProductListApi(ListAPIView):
    """The active catalog, paginated; a generic list view so the schema shows the pagination."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = ProductSerializer

    class FilterSerializer(serializers.Serializer[Any]):
        form_factor = serializers.ChoiceField(choices=FormFactor.choices, required=False)
        wireless = serializers.BooleanField(required=False, allow_null=True, default=None)
        anc = serializers.BooleanField(required=False, allow_null=True, default=None)
        max_price = serializers.DecimalField(max_digits=8, decimal_places=2, required=False, min_value=0)
        search = serializers.CharField(max_length=80, required=False)

    @extend_schema(operation_id="product_list", parameters=[FilterSerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return product_list_active(filters=dict(filters.validated_data))
