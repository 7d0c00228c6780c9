"""Cache headers for the client build, imported by settings (so it imports nothing from Django)."""

from typing import Any


def add_cache_headers(headers: Any, path: str, url: str) -> None:
    """WhiteNoise hook: `index.html` must be revalidated on every load; it names the hashed assets."""
    if url == "/" or url.endswith(".html"):
        headers["Cache-Control"] = "no-cache"
