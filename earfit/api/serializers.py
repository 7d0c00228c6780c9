"""The one error shape every API failure is rendered in (`exception_handlers.py` writes it)."""

from typing import Any

from rest_framework import serializers


class ErrorSerializer(serializers.Serializer[Any]):
    message = serializers.CharField()
    code = serializers.CharField()
    extra = serializers.DictField()
