"""Fixtures shared by every test: API clients, a ready fitting, and a database that is down."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.dispatch import receiver
from rest_framework.test import APIClient

from tests.factories import ProductFactory

# The loopback S3 server: the photos storage of every test.
pytest_plugins = ["tests.s3"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.postgresql` tests run on PostgreSQL; elsewhere they skip, or fail under
    EARFIT_REQUIRE_POSTGRES=1 (CI sets it), so CI can never pass them by skipping them."""
    if item.get_closest_marker("postgresql") is None:
        return
    if connection.vendor == "postgresql":  # Django's backend or earfit's (earfit/db/postgresql)
        return
    if os.environ.get("EARFIT_REQUIRE_POSTGRES") == "1":
        pytest.fail("this test needs PostgreSQL, and EARFIT_REQUIRE_POSTGRES=1 says it must run", pytrace=False)
    pytest.skip("PostgreSQL only: set DATABASE_URL to a PostgreSQL database to run it")


@receiver(connection_created, dispatch_uid="tests_allow_audit_truncate")
def allow_audit_truncate(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Django empties every table between transactional tests with TRUNCATE, which the audit
    table's trigger refuses unless the session allows it (accounts/migrations/0003)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET earfit.audit_truncate = 'allow'")


SPORT_ANSWERS: dict[str, Any] = {
    "uses": ["sport"],
    "form_factor": "no_preference",
    "noise_cancelling": "no",
    "wireless": "wireless",
    "budget": "under_50",
    "glasses": False,
}


def consent(version: str = "2026-11-01", accepted: bool = True) -> dict[str, Any]:
    return {"version": version, "accepted": accepted}


DB_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _questionnaire_v1(request: pytest.FixtureRequest) -> None:
    """The questionnaire a data migration seeds, present in every test that uses the database.

    Tests that commit (transactional ones) end with a flush that empties every table, the seeded
    questionnaire too; seeding it again here keeps each test independent of the order they run in.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None and not DB_FIXTURES & set(request.fixturenames):
        return
    transactional = (marker is not None and marker.kwargs.get("transaction", False)) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from recommendations.models import Questionnaire
    from recommendations.questionnaire import QUESTIONNAIRE_V1, QUESTIONNAIRE_V1_TITLE

    if not Questionnaire.objects.exists():
        Questionnaire.objects.create(version=1, title=QUESTIONNAIRE_V1_TITLE, questions=QUESTIONNAIRE_V1, active=True)


@pytest.fixture(autouse=True)
def _active_model_forgotten() -> None:
    """The active model version is cached per process (`measuring.active`), but each test's
    database is rolled back: forget the version an earlier test cached."""
    from django.core.cache import cache

    from recommendations.measuring.services import active_model_cache_key

    cache.delete(active_model_cache_key())


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def create_fitting(api_client: APIClient) -> Any:
    """Create a fitting through the API; returns (id, token)."""

    def _create(answers: dict[str, Any] | None = None) -> tuple[str, str]:
        response = api_client.post(
            "/api/v1/fittings",
            {"questionnaire_version": 1, "answers": answers or SPORT_ANSWERS, "consent": consent()},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()["id"], response.json()["access_token"]

    return _create


@pytest.fixture
def owner_client(create_fitting: Any) -> tuple[APIClient, str]:
    fitting_id, token = create_fitting()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client, fitting_id


@pytest.fixture
def catalog(db: Any) -> list[Any]:
    return ProductFactory.create_batch(5)


@contextmanager
def database_outage() -> Iterator[None]:
    """The database stops answering: the connection now points where no server listens.

    PostgreSQL gets a closed loopback port; SQLite gets a file in a directory that does not exist.
    The real settings come back afterwards.
    """
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict["HOST"] = "127.0.0.1"
        from tests.s3 import free_ports  # here, not at the top: tests.s3 is loaded as a plugin first

        connection.settings_dict["PORT"] = str(free_ports(1)[0])
    else:
        connection.settings_dict["NAME"] = "/nonexistent-earfit-dir/db.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


@pytest.fixture
def database_down(transactional_db: Any, django_db_serialized_rollback: Any) -> Iterator[None]:
    with database_outage():
        yield
