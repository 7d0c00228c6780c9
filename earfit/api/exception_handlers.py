"""One DRF exception handler: every API error is `{"message", "code", "extra"}`.

Expected failures keep their status. A database, or a Redis cache (production's throttle
counters), that cannot be reached becomes 503 with Retry-After. Anything else is logged with its
traceback and answered with a plain 500 in the same shape, never with the traceback.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from earfit.exceptions import ApplicationError, DependencyUnavailable

logger = logging.getLogger(__name__)

_MESSAGES = {
    exceptions.NotAuthenticated: "Sign in or present the fitting's access token.",
    exceptions.AuthenticationFailed: "The credentials presented are not valid.",
    exceptions.PermissionDenied: "You do not have permission to do this.",
    exceptions.NotFound: "Not found.",
    exceptions.MethodNotAllowed: "This method is not allowed here.",
    exceptions.NotAcceptable: "The requested response format is not available.",
    exceptions.UnsupportedMediaType: "This request body format is not supported.",
}


# Request bodies Django refuses while parsing them (DATA_UPLOAD_MAX_*): the client's fault, said
# plainly, never a 500. Anything else Django finds suspicious in a request is a plain 400.
_BODY_REFUSALS: dict[type[SuspiciousOperation], tuple[int, str, str]] = {
    RequestDataTooBig: (413, "request_too_large", "The request body is too large."),
    TooManyFieldsSent: (400, "too_many_fields", "The request has too many form fields."),
    TooManyFilesSent: (400, "too_many_files", "The request has too many files: send one photo at a time."),
}


def error_body(message: str, code: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"message": message, "code": code, "extra": extra or {}}


def dependency_unavailable_response(dependency: str) -> Response:
    error = DependencyUnavailable(dependency)
    return _application_error_response(error)


def dependency_unavailable_json(dependency: str) -> JsonResponse:
    """The same 503 for code outside DRF views (middleware, Django's error handlers)."""
    error = DependencyUnavailable(dependency)
    response = JsonResponse(error_body(error.message, error.code, error.extra), status=error.status_code)
    response["Retry-After"] = str(settings.DEPENDENCY_RETRY_AFTER_SECONDS)
    return response


def _application_error_response(error: ApplicationError) -> Response:
    response = Response(error_body(error.message, error.code, error.extra), status=error.status_code)
    if isinstance(error, DependencyUnavailable):
        response["Retry-After"] = str(settings.DEPENDENCY_RETRY_AFTER_SECONDS)
    return response


def _validation_response(detail: Any) -> Response:
    fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    first = _first_message(fields)
    message = f"Some of the data sent is not valid: {first}" if first else "Some of the data sent is not valid."
    return Response(error_body(message, "invalid", {"fields": fields}), status=400)


def _suspicious_request_response(exc: SuspiciousOperation) -> Response:
    status, code, message = _BODY_REFUSALS.get(type(exc), (400, "bad_request", "The request could not be understood."))
    logger.info("request refused (%s): %s", code, exc)
    return Response(error_body(message, code), status=status)


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
    if isinstance(detail, list):
        for value in detail:
            found = _first_message(value)
            if found:
                return found
    return None


def application_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, ApplicationError):
        return _application_error_response(exc)
    if isinstance(exc, OperationalError | InterfaceError):
        logger.warning("database unavailable: %s", exc)
        return dependency_unavailable_response("database")
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        logger.warning("cache unavailable: %s", exc)
        return dependency_unavailable_response("cache")
    if isinstance(exc, SuspiciousOperation):
        return _suspicious_request_response(exc)
    if isinstance(exc, DjangoValidationError):
        return _validation_response(as_serializer_error(exc))
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc.detail)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        response = Response(
            error_body(
                f"Too many requests. Please wait {wait} seconds and try again.",
                "throttled",
                {"retry_after_seconds": wait},
            ),
            status=429,
        )
        response["Retry-After"] = str(wait)
        return response
    if isinstance(exc, exceptions.APIException):
        message = _MESSAGES.get(type(exc)) or str(exc.detail)
        response = Response(error_body(message, str(exc.default_code)), status=exc.status_code)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    logger.exception("unhandled error in %s", context.get("view"))
    return Response(error_body("Something went wrong on our side. Please try again.", "server_error"), status=500)
