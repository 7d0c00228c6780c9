from pathlib import Path

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><div id=root></div><script src=/assets/index-AbC123xy.js>")
    (tmp_path / "assets" / "index-AbC123xy.js").write_text("console.log('earfit')")
    return tmp_path


def test_index_is_never_cached_and_hashed_assets_are_cached_for_a_year(dist: Path) -> None:
    with override_settings(WHITENOISE_ROOT=str(dist), FRONTEND_DIST=dist):
        client = Client()
        index = client.get("/")
        asset = client.get("/assets/index-AbC123xy.js")
        deep_link = client.get("/results")
    assert index.status_code == 200
    assert index["Cache-Control"] == "no-cache"
    assert asset.status_code == 200
    assert "immutable" in asset["Cache-Control"]
    assert "max-age=315360000" in asset["Cache-Control"]
    assert deep_link.status_code == 200
    assert b"id=root" in b"".join(deep_link.streaming_content)  # type: ignore[attr-defined]
    assert deep_link["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "route",
    [
        "/questions/3",
        "/fitting/6f1c2a8e-1b7d-4c1e-9a43-0d2f6c1b9e11/photos",
        "/fitting/6f1c2a8e-1b7d-4c1e-9a43-0d2f6c1b9e11/results",
        "/fitting/6f1c2a8e-1b7d-4c1e-9a43-0d2f6c1b9e11/compare?products=3,7",
    ],
)
def test_every_client_route_reloads_into_the_client(dist: Path, route: str) -> None:
    with override_settings(WHITENOISE_ROOT=str(dist), FRONTEND_DIST=dist):
        response = Client().get(route)
    assert response.status_code == 200
    assert b"id=root" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_without_a_build_the_root_explains_how_to_build_it(tmp_path: Path) -> None:
    with override_settings(WHITENOISE_ROOT=None, FRONTEND_DIST=tmp_path / "missing"):
        response = Client().get("/")
    assert response.status_code == 200
    assert b"make run" in response.content


def test_api_paths_are_not_swallowed_by_the_client_route() -> None:
    response = Client().get("/api/v1/does-not-exist")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
