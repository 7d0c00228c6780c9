"""The active questionnaire, with the consent text a fitting must accept."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from earfit.throttling import AnonThrottle
from recommendations.questionnaire.content import (
    CONSENT_PURPOSE,
    CONSENT_TEXT,
    QUESTION_KINDS,
    QUESTIONNAIRE_V1,
    QUESTIONNAIRE_V1_TITLE,
    retention_statement,
)
from recommendations.questionnaire.selectors import questionnaire_get_active

# `label` and `required` are the contract's names. DRF moves declared fields off the class, so
# they do not shadow Field's attributes at run time, only in the type checker's eyes.


class ChoiceSerializer(serializers.Serializer[Any]):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class QuestionSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(choices=QUESTION_KINDS)
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


class QuestionnaireActiveApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [AnonThrottle]

    @extend_schema(
        operation_id="questionnaire_active",
        responses={200: QuestionnaireSerializer},
        examples=[
            OpenApiExample(
                "The active questionnaire (one question shown)",
                response_only=True,
                value={
                    "version": 1,
                    "title": QUESTIONNAIRE_V1_TITLE,
                    "questions": QUESTIONNAIRE_V1[1:2],
                    "consent": {
                        "version": "2026-11-01",
                        "text": CONSENT_TEXT,
                        "purpose": CONSENT_PURPOSE,
                        "retention_days": 30,
                        "retention_statement": retention_statement(30),
                    },
                },
            )
        ],
    )
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
