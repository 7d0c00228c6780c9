"""Every boolean the API reads is strict: a JSON boolean in a body, `true`/`false` in a query."""

from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from earfit.api.fields import QueryBooleanField, StrictBooleanField, StrictCharField, StrictIntegerField
from recommendations.api.fittings import FitFeedbackCreateApi

_API_MODULES = ["recommendations.api", "accounts.api"]


@pytest.mark.parametrize("value", ["yes", "no", "true", "false", "1", "0", 1, 0, "on", "", None, 1.0])
def test_a_body_boolean_takes_only_a_json_boolean(value: Any) -> None:
    class Body(serializers.Serializer[Any]):
        flag = StrictBooleanField()

    body = Body(data={"flag": value})
    assert not body.is_valid()
    assert Body(data={"flag": True}).is_valid()


@pytest.mark.parametrize(
    ("field", "value"),
    [("comment", 0), ("comment", ["x"]), ("comfort", "4"), ("comfort", 4.0), ("comfort", True), ("product_id", "17")],
)
def test_feedback_takes_strings_and_integers_only_as_json_has_them(field: str, value: Any) -> None:
    """Schemathesis found `"comment": 0` accepted as the text "0"; DRF turns numbers into text and
    numeric strings into numbers unless told not to."""
    body = {"product_id": 17, "fit": "right", "comfort": 4, "comment": "fine"}
    assert FitFeedbackCreateApi.InputSerializer(data=body).is_valid()
    serializer = FitFeedbackCreateApi.InputSerializer(data={**body, field: value})
    assert not serializer.is_valid()
    assert field in serializer.errors
    assert isinstance(serializer.fields[field], StrictCharField | StrictIntegerField)


@pytest.mark.parametrize("value", ["yes", "1", "True", "on", "TRUE"])
@pytest.mark.django_db
def test_a_query_boolean_takes_only_true_or_false(value: str, catalog: Any) -> None:
    assert APIClient().get("/api/v1/products", {"wireless": value}).status_code == 400
    assert APIClient().get("/api/v1/products", {"wireless": "true"}).status_code == 200
    assert APIClient().get("/api/v1/products", {"anc": "false"}).status_code == 200


def test_no_input_serializer_in_the_api_uses_a_lenient_boolean() -> None:
    """Every boolean an API view reads (bodies and query filters, nested ones too) is strict."""
    inputs = [serializer for name in _API_MODULES for serializer in _input_serializers(name)]
    assert len(inputs) >= 5  # the walk finds the views' inputs at all
    lenient = [path for serializer in inputs for path in _lenient_booleans(serializer(), serializer.__qualname__)]
    assert lenient == []


def _lenient_booleans(serializer: serializers.Serializer[Any], path: str) -> list[str]:
    found = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            found += _lenient_booleans(field, f"{path}.{name}")
        elif isinstance(field, serializers.BooleanField) and not field.read_only:
            found += [] if isinstance(field, StrictBooleanField | QueryBooleanField) else [f"{path}.{name}"]
    return found


def _input_serializers(package_name: str) -> list[type[serializers.Serializer[Any]]]:
    """Serializers named `...InputSerializer` or `...FilterSerializer`, at module level or in a view."""
    import importlib
    import pkgutil

    found: list[type[serializers.Serializer[Any]]] = []
    package = importlib.import_module(package_name)
    for module_info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package_name}.{module_info.name}")
        owners = [
            module,
            *(v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__),
        ]
        for owner in owners:
            for value in vars(owner).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, serializers.Serializer)
                    and value.__name__.endswith(("InputSerializer", "FilterSerializer"))
                    and value not in found
                ):
                    found.append(value)
    return found
