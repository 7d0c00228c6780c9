"""Security headers on every response: the Content-Security-Policy and the Permissions-Policy.

Placed before WhiteNoise, so the client's `index.html` and its assets carry them too. Scripts
run only from our own origin, or inline with this response's nonce (`request.csp_nonce`, for a
template that needs one); never inline otherwise, never `eval`. Nothing the project serves has an
inline script today: the admin's scripts are files, Swagger UI's start-up script is served by
drf-spectacular's split view, and the Vite build loads one module file. Inline *styles* are
allowed (`style` attributes in Django's admin and widgets); they cannot run code. The client may
use the camera of its own origin and no other device; no page may be framed.

Django's SecurityMiddleware and XFrameOptionsMiddleware set nosniff, the referrer policy, frame
denial and (production) HSTS from settings.
"""

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

PERMISSIONS_POLICY = ", ".join(
    [
        "camera=(self)",
        *(
            f"{feature}=()"
            for feature in (
                "microphone",
                "geolocation",
                "payment",
                "usb",
                "serial",
                "bluetooth",
                "hid",
                "midi",
                "display-capture",
                "accelerometer",
                "gyroscope",
                "magnetometer",
                "fullscreen",
                "browsing-topics",
            )
        ),
    ]
)


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            # blob: the client's previews of a chosen photo and the measured overlay; data: icons.
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", content_security_policy(nonce))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # Files WhiteNoise serves (the client's index.html) never reach XFrameOptionsMiddleware.
        response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response
