"""Scoped throttles and the staff sign-in limits, counted in a real Redis (the shared cache)."""

import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.audit_helpers import staff_client
from tests.earfit.test_errors import assert_error_shape

REDIS_URL = os.environ.get("EARFIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache() -> Iterator[redis.Redis]:
    """The cache is this Redis database, as in production; emptied before and after."""
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    with override_settings(CACHES=caches):
        cache.clear()
        yield redis.Redis.from_url(REDIS_URL)
        cache.clear()


def rates(**limits: str) -> Any:
    """Every scope generous, except those named."""
    from django.conf import settings

    generous = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "1000/minute")
    return mock.patch("rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", {**generous, **limits})


def throttled(response: Any) -> None:
    body = assert_error_shape(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert body["extra"]["retry_after_seconds"] == int(response["Retry-After"])


def test_photo_uploads_are_limited_per_client_and_counted_in_redis(
    shared_cache: redis.Redis, owner_client: tuple[APIClient, str]
) -> None:
    client, fitting_id = owner_client
    url = f"/api/v1/fittings/{fitting_id}/photos"
    with rates(photo_upload="2/minute"):
        # The throttle counts before the photo is read: two empty uploads are refused as invalid.
        assert [client.post(url, {"side": "left"}).status_code for _ in range(2)] == [400, 400]
        throttled(client.post(url, {"side": "left"}))
    assert shared_cache.keys("*throttle_photo_upload_127.0.0.1*")


def test_feedback_is_limited_per_client(shared_cache: redis.Redis, owner_client: tuple[APIClient, str]) -> None:
    client, fitting_id = owner_client
    url = f"/api/v1/fittings/{fitting_id}/feedback"
    with rates(feedback="2/minute"):
        assert [client.post(url, {}, format="json").status_code for _ in range(2)] == [400, 400]
        throttled(client.post(url, {}, format="json"))


def test_recommendation_reads_are_limited_per_client(
    shared_cache: redis.Redis, owner_client: tuple[APIClient, str], catalog: Any
) -> None:
    client, fitting_id = owner_client
    url = f"/api/v1/fittings/{fitting_id}/recommendation"
    with rates(recommendation_read="2/minute"):
        assert [client.get(url).status_code for _ in range(2)] == [200, 200]
        throttled(client.get(url))


def test_token_guesses_on_one_fitting_are_limited_from_every_address(
    shared_cache: redis.Redis, create_fitting: Any
) -> None:
    target, _ = create_fitting()
    other, other_token = create_fitting()

    def guess(fitting_id: str, token: str, address: str) -> Any:
        return APIClient().get(
            f"/api/v1/fittings/{fitting_id}", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address
        )

    with rates(fitting_token="3/minute"):
        guesses = [guess(target, f"guess-{n}", f"203.0.113.{n}").status_code for n in range(3)]
        assert guesses == [404, 404, 404]
        throttled(guess(target, "guess-4", "203.0.113.4"))
        # Another fitting keeps its own count: its owner is not slowed by guesses elsewhere.
        assert guess(other, other_token, "198.51.100.1").status_code == 200


def test_the_fitting_creation_limit_is_shared_by_every_worker_through_redis(shared_cache: redis.Redis) -> None:
    from tests.conftest import SPORT_ANSWERS, consent

    payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
    with rates(fitting_create="2/minute"):
        assert [APIClient().post("/api/v1/fittings", payload, format="json").status_code for _ in range(2)] == [
            201,
            201,
        ]
        # What another process sees: the count is in Redis, not in this process's memory.
        (key,) = shared_cache.keys("*throttle_fitting_create_*")
        assert shared_cache.exists(key)
        throttled(APIClient().post("/api/v1/fittings", payload, format="json"))


def sign_in(username: str, address: str, password: str = "wrong-password-1") -> Any:
    return Client(REMOTE_ADDR=address).post("/admin/login/", {"username": username, "password": password})


def test_a_spray_across_usernames_from_one_address_is_slowed(shared_cache: redis.Redis) -> None:
    with rates(staff_login_address="3/minute"):
        statuses = [sign_in(f"staff-{n}", "192.0.2.66").status_code for n in range(3)]
        assert statuses == [200, 200, 200]  # the form again: wrong credentials
        refused = sign_in("staff-4", "192.0.2.66")
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert b"Too many attempts" in refused.content
        assert sign_in("staff-5", "198.51.100.7").status_code == 200  # another address is not slowed


def test_one_username_tried_from_many_addresses_is_slowed(shared_cache: redis.Redis) -> None:
    with rates(staff_login_username="3/minute"):
        assert [sign_in("Alice", f"203.0.113.{n}").status_code for n in range(3)] == [200, 200, 200]
        assert sign_in("alice", "203.0.113.9").status_code == 429


def test_the_lockout_is_a_429_with_retry_after(shared_cache: redis.Redis, settings: Any) -> None:
    staff, _ = staff_client(Role.CATALOG_MANAGER)
    responses = [sign_in(staff.username, "192.0.2.10") for _ in range(5)]
    locked = responses[-1]
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME * 3600)
    assert b"Too many attempts" in locked.content
