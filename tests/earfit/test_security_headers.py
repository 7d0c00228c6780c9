"""The security headers: a CSP without inline scripts on every page, no-store on fitting answers."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.earfit.test_health import manage_with_production_settings

pytestmark = pytest.mark.django_db

_SCRIPT = re.compile(rb"<script\b([^>]*)>", re.IGNORECASE)


def directives(response: Any) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parsed}


def assert_page_is_locked_down(response: Any) -> None:
    policy = directives(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    nonce = next(v for v in policy["script-src"] if v.startswith("'nonce-"))[7:-1]
    # Every script on the page is a file, or carries this response's nonce: none is refused.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    for attributes in _SCRIPT.findall(content):
        assert b"src=" in attributes or f'nonce="{nonce}"'.encode() in attributes, attributes
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Permissions-Policy"].startswith("camera=(self), microphone=()")
    assert "=*" not in response["Permissions-Policy"]


def test_the_admin_pages_have_a_csp_and_no_inline_script(admin_client: Client) -> None:
    assert_page_is_locked_down(Client().get("/admin/login/"))
    for path in ("/admin/", "/admin/recommendations/product/", "/admin/recommendations/product/add/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert_page_is_locked_down(response)


def test_the_api_docs_have_a_csp_and_load_swagger_ui_from_files() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert_page_is_locked_down(response)


def test_the_client_index_has_a_csp_from_whitenoise_and_from_the_client_route(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-1234abcd.js"></script>')
    with override_settings(WHITENOISE_ROOT=str(tmp_path), FRONTEND_DIST=tmp_path):
        client = Client()
        for path in ("/", "/fit/results"):  # WhiteNoise's file, then the client route's view
            assert_page_is_locked_down(client.get(path))


def test_every_nonce_is_new() -> None:
    first, second = (directives(Client().get("/admin/login/"))["script-src"] for _ in range(2))
    assert first != second


def test_every_fitting_answer_is_no_store_errors_included(owner_client: tuple[APIClient, str], catalog: Any) -> None:
    client, fitting_id = owner_client
    answers = [
        client.get(f"/api/v1/fittings/{fitting_id}"),
        client.get(f"/api/v1/fittings/{fitting_id}/recommendation"),
        client.post(f"/api/v1/fittings/{fitting_id}/feedback", {}, format="json"),
        client.post(f"/api/v1/fittings/{fitting_id}/photos", {"side": "left"}),
        client.get(f"/api/v1/fittings/{fitting_id}/photos/00000000-0000-0000-0000-000000000000/overlay"),
        APIClient().get(f"/api/v1/fittings/{fitting_id}"),  # a stranger's 404
        client.delete(f"/api/v1/fittings/{fitting_id}"),
        APIClient().post("/api/v1/fittings", {}, format="json"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 400, 400, 404, 404, 204, 400]
    for answer in answers:
        assert "no-store" in answer["Cache-Control"]


def test_production_sends_hsts_for_a_year_with_subdomains() -> None:
    shown = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS)"
    )
    result = manage_with_production_settings("shell", "--no-imports", "-c", shown)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["31536000", "True", "True", "DENY"]
