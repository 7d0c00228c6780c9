"""Every API route × every caller × every method answers the status tests/earfit/authorization_matrix.py
expects; a route the URL configuration has and the matrix lacks fails here."""

import re
import uuid
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import Role
from recommendations.fittings.services import fitting_create
from tests.accounts.audit_helpers import staff_client
from tests.conftest import SPORT_ANSWERS
from tests.earfit.authorization_matrix import MATRIX, METHODS, ROLES
from tests.factories import UserFactory


def routes(patterns: list[Any] | None = None, prefix: str = "") -> list[str]:
    """Every route in the URL configuration, as its full pattern text."""
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, text)
        elif isinstance(entry, URLPattern):
            found.append(text)
    return found


API_ROUTES = sorted(route for route in routes() if route.startswith("api/"))


def test_every_api_route_has_an_entry_for_every_method_and_caller() -> None:
    assert set(API_ROUTES) == set(MATRIX), "add the new route to tests/earfit/authorization_matrix.py"
    for route, methods in MATRIX.items():
        assert tuple(methods) == METHODS, route
        for method, statuses in methods.items():
            assert tuple(statuses) == ROLES, (route, method)


def concrete(route: str, fitting_id: str) -> str:
    samples = {"fitting_id": fitting_id, "photo_id": str(uuid.uuid4())}

    def sample(match: re.Match[str]) -> str:
        assert match["name"] in samples, f"no sample value for <{match['name']}> in {route}: add one here"
        return samples[match["name"]]

    return "/" + re.sub(r"<(?:\w+:)?(?P<name>\w+)>", sample, route)


def caller(role: str) -> tuple[APIClient, str]:
    """A client acting as `role`, and the id of the owner's fitting (made anew for each case)."""
    owned = fitting_create(
        questionnaire_version=1, answers=SPORT_ANSWERS, consent_version="2026-11-01", consent_accepted=True
    )
    client = APIClient()
    if role in ("owner", "shopper"):
        token = (
            owned.access_token
            if role == "owner"
            else fitting_create(
                questionnaire_version=1, answers=SPORT_ANSWERS, consent_version="2026-11-01", consent_accepted=True
            ).access_token
        )
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    elif role in ("catalog_manager", "auditor"):
        user, _ = staff_client(Role.CATALOG_MANAGER if role == "catalog_manager" else Role.AUDITOR)
        client.force_login(user)
    elif role == "superuser":
        client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    return client, str(owned.fitting.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", API_ROUTES)
def test_each_caller_gets_the_expected_status_for_every_method(route: str, role: str, catalog: Any) -> None:
    assert route in MATRIX, f"{route} has no entry in tests/earfit/authorization_matrix.py"
    client, fitting_id = caller(role)
    url = concrete(route, fitting_id)
    actual = {method: client.generic(method, url).status_code for method in METHODS}
    expected = {method: MATRIX[route][method][role] for method in METHODS}
    assert actual == expected, f"{role} on {url}"
