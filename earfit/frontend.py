"""Serving the React client's build from Django (the embedded default and any single-host setup)."""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase


def client_app(request: HttpRequest, route: str = "") -> HttpResponseBase:
    """Any client route that is not a file: the app's `index.html`, or a hint when it is not built."""
    index = Path(settings.FRONTEND_DIST) / "index.html"
    if index.is_file():
        response: HttpResponseBase = FileResponse(index.open("rb"), content_type="text/html")
    else:
        response = HttpResponse(
            "<!doctype html><title>earfit</title><h1>earfit</h1><p>The web client is not built. "
            "<code>make run</code> builds it; the API is at <a href='/api/docs/'>/api/docs/</a>.</p>",
            content_type="text/html",
        )
    response["Cache-Control"] = "no-cache"
    return response
