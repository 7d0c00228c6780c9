"""Every 4xx and 5xx has the one error shape, and a database outage is a 503, never a traceback."""

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from recommendations.models import Fitting
from tests.conftest import SPORT_ANSWERS, consent, database_outage
from tests.s3 import free_ports

pytestmark = pytest.mark.django_db


def assert_error_shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["extra"], dict)
    if code is not None:
        assert body["code"] == code
    return body


def test_malformed_json_is_a_400(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/fittings", "{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_wrong_media_type_is_a_415(api_client: APIClient) -> None:
    response = api_client.post("/api/v1/fittings", "a=b", content_type="text/plain")
    assert_error_shape(response, 415, "unsupported_media_type")


def test_wrong_method_is_a_405(api_client: APIClient) -> None:
    assert_error_shape(api_client.put("/api/v1/questionnaire", {}), 405, "method_not_allowed")


def test_unknown_api_path_is_a_404(api_client: APIClient) -> None:
    assert_error_shape(api_client.get("/api/v1/nothing-here"), 404, "not_found")


def test_field_validation_names_each_field(api_client: APIClient) -> None:
    body = assert_error_shape(api_client.post("/api/v1/fittings", {}, format="json"), 400, "invalid")
    assert set(body["extra"]["fields"]) == {"questionnaire_version", "answers", "consent"}


def test_throttling_is_a_429_with_retry_after(api_client: APIClient) -> None:
    cache.clear()
    rates = {"fitting_create": "2/minute", "anon": "1000/minute"}
    with mock.patch("rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", rates):
        payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
        for _ in range(2):
            assert api_client.post("/api/v1/fittings", payload, format="json").status_code == 201
        response = api_client.post("/api/v1/fittings", payload, format="json")
    body = assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert body["extra"]["retry_after_seconds"] > 0
    cache.clear()


def test_a_redis_cache_that_is_down_is_a_503_and_the_request_writes_nothing(api_client: APIClient) -> None:
    """Production keeps the throttle counters in Redis; with it unreachable the API refuses cleanly."""
    (closed_port,) = free_ports(1)
    down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port}/0"}
    before = Fitting.objects.count()
    with override_settings(CACHES={"default": down}):
        payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
        response = api_client.post("/api/v1/fittings", payload, format="json")
    body = assert_error_shape(response, 503, "service_unavailable")
    assert body["extra"]["dependency"] == "cache"
    assert int(response["Retry-After"]) > 0
    assert Fitting.objects.count() == before


def test_an_unexpected_error_is_a_500_without_a_traceback(api_client: APIClient) -> None:
    with mock.patch(
        "recommendations.api.questionnaire.questionnaire_get_active", side_effect=RuntimeError("secret detail")
    ):
        response = api_client.get("/api/v1/questionnaire")
    body = assert_error_shape(response, 500, "server_error")
    assert "secret detail" not in response.content.decode()
    assert "Traceback" not in body["message"]


@override_settings(DEBUG=False)
def test_a_database_outage_is_a_503_with_retry_after_and_writes_nothing(database_down: None) -> None:
    client = APIClient()
    payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
    for response in (
        client.get("/api/v1/questionnaire"),
        client.post("/api/v1/fittings", payload, format="json"),
        client.get("/api/v1/products"),
    ):
        body = assert_error_shape(response, 503, "service_unavailable")
        assert body["extra"] == {"dependency": "database"}
        assert int(response["Retry-After"]) > 0


def test_a_request_during_an_outage_leaves_nothing_behind(
    transactional_db: None, django_db_serialized_rollback: None
) -> None:
    client = APIClient()
    payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
    with database_outage():
        assert client.post("/api/v1/fittings", payload, format="json").status_code == 503
    assert Fitting.objects.count() == 0
    assert client.post("/api/v1/fittings", payload, format="json").status_code == 201
