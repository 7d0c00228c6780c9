"""Rate limits: per client address for the API's scopes, per address and per username for the
staff sign-in, all counted in the shared cache (Redis in production) so every worker of every
task sees one count.

Each scope's rate is a setting (`THROTTLE_*`, README "Configuration"). Every refusal is a 429
with `Retry-After`: in the one JSON error shape for the API, as the admin's own page for staff.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from earfit.api.exception_handlers import error_body
from earfit.client_ip import client_ip


def throttled_message(wait: int) -> str:
    return f"Too many requests. Please wait {wait} seconds and try again."


class ClientRateThrottle(SimpleRateThrottle):
    """Counts requests per client address as `earfit.client_ip` resolves it, never as sent."""

    def get_ident(self, request: Any) -> str:
        return client_ip(request) or "unknown"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonThrottle(ClientRateThrottle):
    """The open reads (questionnaire, catalog) by anyone not signed in."""

    scope = "anon"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class FittingCreateThrottle(ClientRateThrottle):
    scope = "fitting_create"


class PhotoUploadThrottle(ClientRateThrottle):
    """Each upload decodes an image and runs the model: the most expensive request there is."""

    scope = "photo_upload"


class FeedbackThrottle(ClientRateThrottle):
    scope = "feedback"


class RecommendationReadThrottle(ClientRateThrottle):
    scope = "recommendation_read"


class _KeyedThrottle(SimpleRateThrottle):
    """A count per key (a username), outside DRF: `allow(key)` and `wait()`."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.key}


class StaffLoginAddressThrottle(_KeyedThrottle):
    """Every staff sign-in attempt from one address, whatever username it names: a spray across
    usernames is slowed, which django-axes' username-and-address lockout alone would not do."""

    scope = "staff_login_address"


class StaffLoginUsernameThrottle(_KeyedThrottle):
    """Every sign-in attempt for one username from anywhere: a guess spread over many addresses is
    slowed. Set well above the lockout's limit, so that one attacker cannot lock a colleague out."""

    scope = "staff_login_username"


def too_many_requests(request: HttpRequest, wait: int) -> HttpResponse:
    """The 429 outside DRF: the admin's own page for staff, the one JSON error shape otherwise."""
    message = throttled_message(wait)
    response: HttpResponse
    if request.path.startswith("/admin/"):
        context = {**admin.site.each_context(request), "message": message, "retry_after_seconds": wait}
        response = render(request, "429.html", context, status=429)
    else:
        response = JsonResponse(error_body(message, "throttled", {"retry_after_seconds": wait}), status=429)
    response["Retry-After"] = str(wait)
    return response


def _cool_off_seconds() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    hours = cool_off.total_seconds() / 3600 if isinstance(cool_off, timedelta) else float(cool_off or 1)
    return max(1, int(hours * 3600))


def axes_lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    """`AXES_LOCKOUT_CALLABLE`: the lockout as a 429 with `Retry-After` (the whole cool-off; the
    lockout lifts at most that long after the failure that set it)."""
    return too_many_requests(request, _cool_off_seconds())


class StaffLoginThrottleMiddleware:
    """Limits POSTs to the admin sign-in per client address and per username, before django-axes
    and the password check see them (both count every attempt, successful or not)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.path == reverse("admin:login"):
            username = str(request.POST.get("username", "")).strip().lower()[:150]
            throttles: list[_KeyedThrottle] = [StaffLoginAddressThrottle(client_ip(request) or "unknown")]
            if username:
                throttles.append(StaffLoginUsernameThrottle(username))
            # No DRF view here: the keyed throttles read neither the request nor the view.
            refused = [t for t in throttles if not t.allow_request(request, None)]  # type: ignore[arg-type]
            if refused:
                return too_many_requests(request, max(int(t.wait() or 1) for t in refused))
        return self.get_response(request)
