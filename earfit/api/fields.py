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
