"""Project-level views: readiness and the JSON error pages."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from earfit.api.exception_handlers import dependency_unavailable_json, error_body
from earfit.readiness import readiness_check


class ReadinessApi(APIView):
    """Deploy checks: 200 when every dependency answers, 503 (with Retry-After) otherwise."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="readiness",
        responses={
            200: inline_serializer("Readiness", {"status": serializers.CharField(), "checks": serializers.DictField()}),
            503: inline_serializer("NotReady", {"status": serializers.CharField(), "checks": serializers.DictField()}),
        },
    )
    def get(self, request: Request) -> Response:
        report = readiness_check()
        response = Response(
            {"status": "ready" if report.ready else "not_ready", "checks": report.checks},
            status=200 if report.ready else 503,
        )
        if not report.ready:
            response["Retry-After"] = str(settings.DEPENDENCY_RETRY_AFTER_SECONDS)
        return response


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return JsonResponse(error_body("Not found.", "not_found"), status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called from inside Django's exception handling, so the exception is still current.
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return dependency_unavailable_json("database")
    return JsonResponse(error_body("Something went wrong on our side. Please try again.", "server_error"), status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return JsonResponse(error_body("The request could not be understood.", "bad_request"), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return JsonResponse(error_body("You do not have permission to do this.", "permission_denied"), status=403)
