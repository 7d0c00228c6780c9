from typing import Any

import pytest
from rest_framework.test import APIClient

from recommendations.models import Consent, FitFeedback, Fitting, Recommendation
from tests.conftest import SPORT_ANSWERS, consent

pytestmark = pytest.mark.django_db


def fitting_paths(fitting_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("get", f"/api/v1/fittings/{fitting_id}", None),
        ("get", f"/api/v1/fittings/{fitting_id}/recommendation", None),
        ("post", f"/api/v1/fittings/{fitting_id}/feedback", {"product_id": 1, "fit": "right", "comfort": 4}),
        ("delete", f"/api/v1/fittings/{fitting_id}", None),
    ]


def test_creating_a_fitting_returns_id_and_a_token_stored_only_as_hash(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/fittings",
        {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "access_token", "status", "created_at"}
    assert response["Cache-Control"] == "no-store"
    fitting = Fitting.objects.get(pk=body["id"])
    assert body["access_token"] not in fitting.token_hash
    assert len(fitting.token_hash) == 64
    assert Consent.objects.get(fitting=fitting).text_version == "2026-11-01"


def test_another_clients_token_gets_404_on_every_fitting_endpoint(create_fitting: Any) -> None:
    fitting_id, _ = create_fitting()
    _, stranger_token = create_fitting()
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION=f"Bearer {stranger_token}")
    for method, path, data in fitting_paths(fitting_id):
        response = getattr(stranger, method)(path, data, format="json")
        assert response.status_code == 404, (method, path)
        assert response.json() == {"message": "Not found.", "code": "not_found", "extra": {}}
    assert Fitting.objects.get(pk=fitting_id).status == "open"


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer not-a-token", "Basic dXNlcjpwYXNz"])
def test_missing_or_malformed_credentials_get_404_not_401(create_fitting: Any, authorization: str | None) -> None:
    fitting_id, _ = create_fitting()
    client = APIClient()
    if authorization is not None:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    for method, path, data in fitting_paths(fitting_id):
        response = getattr(client, method)(path, data, format="json")
        assert response.status_code == 404, (method, path, authorization)


def test_unknown_fitting_id_and_wrong_token_look_the_same(owner_client: tuple[APIClient, str]) -> None:
    client, _ = owner_client
    missing = client.get("/api/v1/fittings/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_owner_reads_the_fitting(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    response = client.get(f"/api/v1/fittings/{fitting_id}")
    assert response.status_code == 200
    assert response.json()["answers"] == SPORT_ANSWERS
    assert response.json()["questionnaire_version"] == 1


@pytest.mark.parametrize(
    ("consent_body", "code"),
    [
        ({"version": "2026-11-01", "accepted": False}, "consent_required"),
        ({"version": "2020-01-01", "accepted": True}, "consent_outdated"),
    ],
)
def test_consent_is_required_and_current(api_client: APIClient, consent_body: dict[str, Any], code: str) -> None:
    response = api_client.post(
        "/api/v1/fittings",
        {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent_body},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "consent" in response.json()["extra"]["fields"]
    assert Fitting.objects.count() == 0


def test_missing_consent_is_a_validation_error(api_client: APIClient) -> None:
    response = api_client.post(
        "/api/v1/fittings", {"questionnaire_version": 1, "answers": SPORT_ANSWERS}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "consent" in response.json()["extra"]["fields"]
    assert Fitting.objects.count() == 0


def test_feedback_is_recorded_for_a_catalog_product(owner_client: tuple[APIClient, str], catalog: list[Any]) -> None:
    client, fitting_id = owner_client
    product = catalog[0]
    response = client.post(
        f"/api/v1/fittings/{fitting_id}/feedback",
        {"product_id": product.pk, "fit": "too_loose", "comfort": 3},
        format="json",
    )
    assert response.status_code == 201
    feedback = FitFeedback.objects.get()
    assert (feedback.product_id, feedback.fit, feedback.comfort) == (product.pk, "too_loose", 3)


def test_feedback_for_an_unknown_product_is_refused(owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    response = client.post(
        f"/api/v1/fittings/{fitting_id}/feedback", {"product_id": 999999, "fit": "right", "comfort": 3}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_product"
    assert FitFeedback.objects.count() == 0


def test_erasure_removes_personal_data_and_is_idempotent(
    owner_client: tuple[APIClient, str], catalog: list[Any]
) -> None:
    client, fitting_id = owner_client
    assert client.get(f"/api/v1/fittings/{fitting_id}/recommendation").status_code == 200
    client.post(f"/api/v1/fittings/{fitting_id}/feedback", {"product_id": catalog[0].pk, "fit": "right", "comfort": 5})
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    fitting = Fitting.objects.get(pk=fitting_id)
    assert fitting.status == "erased"
    assert fitting.answers == {}
    assert fitting.erased_at is not None
    assert Recommendation.objects.filter(fitting=fitting).count() == 0
    assert FitFeedback.objects.filter(fitting=fitting).count() == 0
    assert client.get(f"/api/v1/fittings/{fitting_id}").status_code == 404
    assert client.get(f"/api/v1/fittings/{fitting_id}/recommendation").status_code == 404


@pytest.mark.parametrize("accepted", ["yes", "true", "True", 1, "1", "on", None, [True], {"value": True}])
def test_consent_is_given_only_by_a_json_true(api_client: APIClient, accepted: Any) -> None:
    payload = {
        "questionnaire_version": 1,
        "answers": SPORT_ANSWERS,
        "consent": {"version": "2026-11-01", "accepted": accepted},
    }
    response = api_client.post("/api/v1/fittings", payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "accepted" in response.json()["extra"]["fields"]["consent"]
    assert not Fitting.objects.exists()
