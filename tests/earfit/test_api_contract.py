"""Every answer under /api/ is in the one error shape and documented in the schema: the findings of
a schema-driven fuzzer (issue 17), one test each, and what the schema must say of every operation."""

import uuid
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.audit_helpers import staff_client

pytestmark = pytest.mark.django_db

FITTING_PATHS = [
    ("get", "/api/v1/fittings/{id}"),
    ("delete", "/api/v1/fittings/{id}"),
    ("get", "/api/v1/fittings/{id}/recommendation"),
    ("post", "/api/v1/fittings/{id}/feedback"),
    ("post", "/api/v1/fittings/{id}/photos"),
    ("get", f"/api/v1/fittings/{uuid.uuid4()}/photos/{{id}}/overlay"),
]


def assert_error_shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"message", "code", "extra"}
    if code is not None:
        assert body["code"] == code
    return body


@pytest.mark.parametrize(("method", "path"), FITTING_PATHS)
@pytest.mark.parametrize("bad_id", ["null,null", "abc", "1", "3ec62651-465e-419b-8b25"])
def test_an_id_that_is_not_a_uuid_is_the_apis_404_even_with_debug_on(
    settings: Any, method: str, path: str, bad_id: str
) -> None:
    settings.DEBUG = True  # `make run`: Django's own 404 page would be HTML
    response = getattr(Client(), method)(path.format(id=bad_id))
    assert_error_shape(response, 404, "not_found")


@pytest.mark.parametrize("query", ["page=0", "page=-2", "page=abc", "page=last", "page=%C2%B2"])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_400_naming_page(catalog: Any, query: str) -> None:
    body = assert_error_shape(APIClient().get(f"/api/v1/products?{query}"), 400, "invalid")
    assert "page" in body["extra"]["fields"]


def test_a_page_past_the_last_is_a_404(catalog: Any) -> None:
    assert_error_shape(APIClient().get("/api/v1/products?page=99"), 404, "not_found")


@pytest.mark.parametrize("value", ["maybe", "yes", "1", ""])
def test_a_filter_boolean_is_true_or_false_and_nothing_else(catalog: Any, value: str) -> None:
    body = assert_error_shape(APIClient().get(f"/api/v1/products?wireless={value}"), 400, "invalid")
    assert "wireless" in body["extra"]["fields"]


def test_an_empty_choice_filter_is_invalid_not_ignored(catalog: Any) -> None:
    assert_error_shape(APIClient().get("/api/v1/products?form_factor="), 400, "invalid")


def test_a_search_with_a_nul_is_a_400_and_a_blank_search_lists_everything(catalog: Any) -> None:
    assert_error_shape(APIClient().get("/api/v1/products?search=a%00b"), 400, "invalid")
    assert APIClient().get("/api/v1/products?search=").json()["count"] == len(catalog)


def test_a_max_price_of_any_precision_is_accepted(catalog: Any) -> None:
    assert APIClient().get("/api/v1/products?max_price=0.5700000000000001").status_code == 200


def test_a_format_query_parameter_changes_nothing_on_the_csv_export() -> None:
    user, _ = staff_client(Role.AUDITOR)
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/audit/events.csv?format=AAA")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")


def test_healthz_answers_get_and_refuses_other_methods_in_the_error_shape() -> None:
    assert Client().get("/healthz").json() == {"status": "ok"}
    assert_error_shape(Client().generic("TRACE", "/healthz"), 405)


def test_an_empty_string_is_not_an_answer_to_a_multiple_choice_question(api_client: APIClient) -> None:
    from tests.conftest import SPORT_ANSWERS, consent

    answers = {**SPORT_ANSWERS, "past_problems": ""}
    response = api_client.post(
        "/api/v1/fittings",
        {"questionnaire_version": 1, "answers": answers, "consent": consent()},
        format="json",
    )
    assert_error_shape(response, 400, "invalid_answers")


@pytest.mark.parametrize("accepted", ["yes", "true", 1])
def test_consent_is_accepted_only_with_the_boolean_true(api_client: APIClient, accepted: Any) -> None:
    from tests.conftest import SPORT_ANSWERS, consent

    body = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": {**consent(), "accepted": accepted}}
    assert_error_shape(api_client.post("/api/v1/fittings", body, format="json"), 400, "invalid")
