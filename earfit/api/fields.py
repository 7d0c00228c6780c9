"""Strict input fields: a boolean is a JSON `true` or `false`, nothing that merely looks like one.

DRF's BooleanField takes "yes", "on", "1", 1 and more as true; a documented boolean that accepts
the string "yes" is a contract the schema does not state, and consent above all must be given
explicitly. Query strings are text by nature, so a query parameter takes exactly `true` or
`false`.
"""

from typing import Any

from rest_framework import serializers


class StrictBooleanField(serializers.BooleanField):
    """A JSON boolean in a request body; any other type is a 400 naming the field."""

    default_error_messages = {"invalid": "Must be true or false (a JSON boolean)."}

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)
        raise AssertionError("unreachable")  # fail() raises


class QueryBooleanField(serializers.BooleanField):
    """A query parameter: exactly `true` or `false` (or empty, when the field allows no value)."""

    default_error_messages = {"invalid": "Must be true or false."}

    def to_internal_value(self, data: Any) -> bool | None:  # type: ignore[override]  # None: no filter
        if self.allow_null and data == "":
            return None
        if data in ("true", "false"):
            return bool(data == "true")
        self.fail("invalid", input=data)
        raise AssertionError("unreachable")


class StrictCharField(serializers.CharField):
    """A JSON string in a request body: a number is not quietly turned into text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer in a request body: not the string "4", not 4.0, not a boolean."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))
