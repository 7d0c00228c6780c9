"""Middleware that must run before the rest of the stack."""

import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from earfit.api.exception_handlers import dependency_unavailable_json, error_body
from earfit.request_context import current_request_id

logger = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,128}$")


class HealthCheckMiddleware:
    """`/healthz` answers here: before host validation, sessions or any I/O.

    The load balancer probes tasks by IP address, which no ALLOWED_HOSTS entry names; liveness
    only says the process serves requests, so it touches nothing else. Readiness is `/readyz`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz" and request.method in ("GET", "HEAD"):  # other methods: the view's 405
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


class RequestIdMiddleware:
    """Carries a request id (the client's `X-Request-ID` when well formed) into logs and audit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        supplied = request.headers.get("X-Request-ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class DependencyDownMiddleware:
    """A database outage outside DRF views (admin, sessions) answers 503, not a 500 traceback."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning("database unavailable: %s", exception)
        return dependency_unavailable_json("database")


class RequestBodyLimitMiddleware:
    """A body declared larger than REQUEST_MAX_BYTES is refused with 413 before any of it is read.

    Django caps form fields and JSON (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file parts to disk
    whatever their size; the largest request earfit accepts is one photo plus its form fields, so
    anything above that is refused here instead of after a worker has written it out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # Django's parsers refuse a malformed length themselves
        if declared > settings.REQUEST_MAX_BYTES:
            logger.info("request body of %d bytes refused (limit %d)", declared, settings.REQUEST_MAX_BYTES)
            message = f"The request is larger than {settings.REQUEST_MAX_BYTES // (1024 * 1024)} MB."
            return JsonResponse(error_body(message, "request_too_large"), status=413)
        return self.get_response(request)
