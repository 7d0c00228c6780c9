from typing import Any

import pytest
from rest_framework.test import APIClient

from recommendations.models import Fitting, Questionnaire
from recommendations.questionnaire import QUESTIONNAIRE_V1
from recommendations.questionnaire.answers import answers_validate
from tests.conftest import SPORT_ANSWERS, consent

pytestmark = pytest.mark.django_db


def test_active_questionnaire_is_versioned_and_carries_the_consent_text(api_client: APIClient) -> None:
    body = api_client.get("/api/v1/questionnaire").json()
    assert body["version"] == 1
    keys = [q["key"] for q in body["questions"]]
    assert keys[:6] == ["uses", "form_factor", "noise_cancelling", "wireless", "budget", "glasses"]
    assert {q["key"] for q in body["questions"] if q["required"]} == {
        "uses",
        "form_factor",
        "noise_cancelling",
        "wireless",
        "budget",
        "glasses",
    }
    assert body["consent"]["retention_days"] == 90
    assert "90 days" in body["consent"]["retention_statement"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**SPORT_ANSWERS, "budget": "free"}, "answers.budget"),
        ({**SPORT_ANSWERS, "uses": ["sport", "skydiving"]}, "answers.uses"),
        ({**SPORT_ANSWERS, "uses": "sport"}, "answers.uses"),
        ({**SPORT_ANSWERS, "glasses": "yes"}, "answers.glasses"),
        ({k: v for k, v in SPORT_ANSWERS.items() if k != "wireless"}, "answers.wireless"),
        ({**SPORT_ANSWERS, "favourite_colour": "blue"}, "answers.favourite_colour"),
    ],
)
def test_invalid_answers_are_refused_with_the_question_named(
    api_client: APIClient, answers: dict[str, Any], field: str
) -> None:
    response = api_client.post(
        "/api/v1/fittings", {"questionnaire_version": 1, "answers": answers, "consent": consent()}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answers"
    assert field in response.json()["extra"]["fields"]
    assert Fitting.objects.count() == 0


def test_answers_are_validated_against_the_version_they_were_given_for(api_client: APIClient) -> None:
    v2_questions = [
        {**QUESTIONNAIRE_V1[0]},
        {
            "key": "hours_per_day",
            "text": "How many hours a day?",
            "help": "",
            "kind": "single",
            "required": True,
            "choices": [{"value": "1", "label": "About 1"}, {"value": "4", "label": "4 or more"}],
        },
    ]
    Questionnaire.objects.update(active=False)
    Questionnaire.objects.create(version=2, title="v2", questions=v2_questions, active=True)

    # Version-1 answers are still valid for version 1, after version 2 became active...
    old = api_client.post(
        "/api/v1/fittings", {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}, format="json"
    )
    assert old.status_code == 201
    # ...but not for version 2, which asks different questions.
    new = api_client.post(
        "/api/v1/fittings", {"questionnaire_version": 2, "answers": SPORT_ANSWERS, "consent": consent()}, format="json"
    )
    assert new.status_code == 400
    assert "answers.hours_per_day" in new.json()["extra"]["fields"]
    assert "answers.budget" in new.json()["extra"]["fields"]
    unknown = api_client.post(
        "/api/v1/fittings", {"questionnaire_version": 9, "answers": SPORT_ANSWERS, "consent": consent()}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "unknown_questionnaire_version"


def test_validation_cleans_duplicates_and_drops_nothing_valid() -> None:
    cleaned, errors = answers_validate(QUESTIONNAIRE_V1, {**SPORT_ANSWERS, "uses": ["sport", "sport", "calls"]})
    assert errors == {}
    assert cleaned["uses"] == ["sport", "calls"]
    assert cleaned["glasses"] is False


def test_answers_must_be_an_object() -> None:
    _, errors = answers_validate(QUESTIONNAIRE_V1, ["sport"])
    assert errors == {"answers": ["Answers must be an object keyed by question."]}
