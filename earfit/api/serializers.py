"""The one error shape every API failure is rendered in (`exception_handlers.py` writes it)."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[Any]):
    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.BooleanField):
    """A boolean that is `true` or `false` and nothing else, as the schema says: not DRF's `"yes"`,
    `1` or `"on"`. A query parameter (`strings=True`) is the text `true` or `false`."""

    def __init__(self, *, strings: bool = False, **kwargs: Any) -> None:
        self.strings = strings
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if self.strings and data in ("true", "false"):
            return bool(data == "true")
        self.fail("invalid", input=data)
        raise AssertionError("fail() raises")  # pragma: no cover
