"""A fitting's access token, presented as `Authorization: Bearer <token>`.

The token does not sign anybody in: it proves possession of one fitting. Authentication only
carries it to the view (as `request.auth`); the owner selector compares its hash and answers 404
to anyone else, so a wrong token and a wrong id look the same.
"""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request


class FittingToken(str):
    """The raw bearer token of a fitting, kept apart from other kinds of `request.auth`."""


class FittingTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, FittingToken] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != self.keyword:
            return None
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        return AnonymousUser(), FittingToken(token)

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class FittingTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.FittingTokenAuthentication"
    name = "fittingToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "The fitting's access token."}
