"""Project-level views: readiness and the error pages (JSON for the API, HTML for the admin)."""

import sys
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from drf_spectacular.views import SpectacularSwaggerSplitView
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from earfit.api.exception_handlers import dependency_unavailable_json, error_body
from earfit.readiness import readiness_check

_CHECK = inline_serializer(
    "ReadinessCheck",
    {
        "status": serializers.ChoiceField(["ok", "failed"]),
        "ms": serializers.IntegerField(),
        "reason": serializers.CharField(required=False),
    },
)
_CHECKS = ("database", "cache", "storage", "broker", "model")
_READINESS_FIELDS: dict[str, serializers.Field[Any, Any, Any, Any]] = {
    "status": serializers.CharField(),
    "failed": serializers.ListField(child=serializers.CharField()),
    "checks": serializers.DictField(child=_CHECK),
}


class LivenessApi(APIView):
    """`/healthz`, for the schema: `HealthCheckMiddleware` answers it before any view (and before
    host validation); this view answers the same should the middleware ever be left out."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="liveness",
        description="Liveness for the load balancer: 200 while the process serves requests. Touches no "
        "dependency (that is `/readyz`), and answers whatever the Host header.",
        responses={200: inline_serializer("Liveness", {"status": serializers.ChoiceField(choices=["ok"])})},
        examples=[OpenApiExample("Serving", value={"status": "ok"}, response_only=True)],
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadinessApi(APIView):
    """Deploy checks: 200 when every dependency answers, 503 (with Retry-After) otherwise.

    Each check reports `ok` or `failed` (with the reason) and how long it took; `failed` names the
    dependencies that did not answer. The checks run at once, each with its own short bound."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="readiness",
        description="Readiness for deploys: 200 when the database, cache, storage, broker and model answer; "
        "503 with `Retry-After`, naming the failed checks, otherwise. The checks run at once, each bounded.",
        responses={
            200: inline_serializer("Readiness", _READINESS_FIELDS),
            503: inline_serializer("NotReady", _READINESS_FIELDS),
        },
        examples=[
            OpenApiExample(
                "Every dependency answers",
                value={
                    "status": "ready",
                    "failed": [],
                    "checks": {name: {"status": "ok", "ms": 3} for name in _CHECKS},
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "The database does not answer",
                value={
                    "status": "not_ready",
                    "failed": ["database"],
                    "checks": {
                        **{name: {"status": "ok", "ms": 3} for name in _CHECKS},
                        "database": {"status": "failed", "ms": 2000, "reason": "timed out after 2.0 s"},
                    },
                },
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        report = readiness_check()
        checks = {name: check.as_json() for name, check in report.checks.items()}
        response = Response(
            {"status": "ready" if report.ready else "not_ready", "failed": report.failed, "checks": checks},
            status=200 if report.ready else 503,
        )
        if not report.ready:
            response["Retry-After"] = str(settings.DEPENDENCY_RETRY_AFTER_SECONDS)
        return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI, its start-up script served as a file (`?script`), so the page needs no inline
    script under the CSP. GET and HEAD only: an OPTIONS would render DRF's metadata through the
    page's template, which cannot show it (a 500)."""

    http_method_names = ["get", "head"]


def _wants_json(request: HttpRequest) -> bool:
    """The API (and anything that is not a page for people) answers in the one JSON error shape;
    the admin and other pages staff open in a browser get an HTML page."""
    return not request.path.startswith("/admin/")


def _error_page(request: HttpRequest, status: int, message: str, code: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body(message, code), status=status)
    context = {**admin.site.each_context(request), "message": message}
    return render(request, f"{status}.html", context, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "Not found.", "not_found")


def server_error(request: HttpRequest) -> HttpResponse:
    # Called from inside Django's exception handling, so the exception is still current.
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        return dependency_unavailable_json("database")
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return dependency_unavailable_json("cache")
    message = "Something went wrong on our side. Please try again."
    if _wants_json(request):
        return JsonResponse(error_body(message, "server_error"), status=500)
    # No request context: the database or a context processor may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({"message": message}))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "The request could not be understood.", "bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "You do not have permission to do this.", "permission_denied")
