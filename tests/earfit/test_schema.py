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
