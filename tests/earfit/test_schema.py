from typing import Any

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db

WRITE_METHODS = {"post", "put", "patch"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    generated = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(generated)
    return generated


def test_schema_is_served_as_openapi_3() -> None:
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_docs_are_served_without_a_cdn() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn.jsdelivr" not in response.content
    assert b"/static/drf_spectacular_sidecar/" in response.content


def test_every_write_operation_has_a_request_example_that_the_api_accepts(schema: dict[str, Any]) -> None:
    writes = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in WRITE_METHODS and "requestBody" in op
    ]
    assert writes, "the schema has no write operations"
    for path, method, op in writes:
        content = op["requestBody"]["content"]
        examples = [ex for media in content.values() for ex in media.get("examples", {}).values()]
        assert examples, f"{method.upper()} {path} has no request example"


def test_the_fitting_create_example_creates_a_fitting(schema: dict[str, Any]) -> None:
    op = schema["paths"]["/api/v1/fittings"]["post"]
    example = next(iter(op["requestBody"]["content"]["application/json"]["examples"].values()))["value"]
    response = Client().post("/api/v1/fittings", example, content_type="application/json")
    assert response.status_code == 201, response.content


def test_error_responses_are_documented_with_the_error_shape(schema: dict[str, Any]) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"message", "code", "extra"}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_operation_and_status_has_a_response_example(schema: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path} {status} {media}"
        for path, method, op in _operations(schema)
        for status, response in op["responses"].items()
        for media, content in response.get("content", {}).items()
        if not content.get("examples")
    ]
    assert missing == []


def test_every_api_operation_documents_503_404_for_its_ids_and_429_where_throttled(schema: dict[str, Any]) -> None:
    from django.urls import resolve

    for path, method, op in _operations(schema):
        if not path.startswith("/api/"):
            continue
        statuses = set(op["responses"])
        assert "503" in statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        view = resolve(path.replace("{fitting_id}", "a").replace("{photo_id}", "b")).func.cls  # type: ignore[attr-defined]
        if view().get_throttles():
            assert "429" in statuses, (method, path)
        if any(p["in"] == "query" for p in op.get("parameters", [])) or "requestBody" in op:
            assert "400" in statuses, (method, path)


def test_the_health_endpoints_are_documented(schema: dict[str, Any]) -> None:
    assert set(schema["paths"]["/healthz"]["get"]["responses"]) == {"200"}
    assert set(schema["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}


def test_the_photo_rejection_reason_codes_are_enumerated(schema: dict[str, Any]) -> None:
    from inference.postprocess import BLOCKING, RETAKE_GUIDANCE

    components = schema["components"]["schemas"]
    rejected = schema["paths"]["/api/v1/fittings/{fitting_id}/photos"]["post"]["responses"]["422"]
    ref = rejected["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    extra = components[ref]["properties"]["extra"]["properties"]

    def enum_of(prop: dict[str, Any]) -> set[str]:
        return set(prop["items"]["properties"]["code"]["enum"])

    assert enum_of(extra["reasons"]) == set(BLOCKING)
    assert enum_of(extra["warnings"]) == set(RETAKE_GUIDANCE) - set(BLOCKING)
    assert set(BLOCKING) <= set(RETAKE_GUIDANCE)


def test_the_documented_answers_are_exactly_what_the_questionnaire_accepts(schema: dict[str, Any]) -> None:
    """Each question's documented answers pass the validation; the documented enum is the choices."""
    from recommendations.questionnaire import QUESTIONNAIRE_V1
    from recommendations.questionnaire.answers import answers_validate

    body = schema["components"]["schemas"]["FittingCreateInputRequest"]["properties"]["answers"]
    assert body["required"] == [q["key"] for q in QUESTIONNAIRE_V1 if q["required"]]
    assert body["additionalProperties"] is False
    for question in QUESTIONNAIRE_V1:
        documented = body["properties"][question["key"]]
        values = [c["value"] for c in question["choices"]]
        if question["kind"] == "single":
            assert [v for v in documented["enum"] if v not in ("", None)] == values
        elif question["kind"] == "multi":
            assert documented["items"]["enum"] == values
    example = schema["paths"]["/api/v1/fittings"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    answers = next(iter(example.values()))["value"]["answers"]
    assert answers_validate(QUESTIONNAIRE_V1, answers)[1] == {}
