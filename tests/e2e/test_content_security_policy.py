"""In Chromium, under the Content-Security-Policy: the client, the admin and Swagger UI render, and
the browser reports no violation (an inline script refused would leave a page half-working)."""

from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PAGES = {
    "/": "h1",  # the client's first screen
    "/admin/login/": "#id_username",
    "/api/docs/": ".swagger-ui .info .title",  # drawn by Swagger UI's start-up script, a file
}


def test_pages_render_under_the_csp_without_a_violation(frontend_dist: Path, live_server: Any, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    try:
        for path, drawn in PAGES.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None
            assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"], path
            page.wait_for_selector(drawn, state="visible")
    finally:
        context.close()
    assert violations == []
