"""Throttles and the staff lockout count the client's real address, never one it sent itself."""

from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from tests.accounts.audit_helpers import staff_client
from tests.conftest import SPORT_ANSWERS, consent

CLOUDFRONT = "130.176.0.10"  # the address the ALB saw: CloudFront's edge
ALB = "10.0.1.20"  # REMOTE_ADDR of every request that came through the load balancer

pytestmark = pytest.mark.django_db


def behind_proxies(settings: Any, count: int) -> None:
    settings.TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


def create_fitting(forwarded_for: str) -> int:
    payload = {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent()}
    response = APIClient().post(
        "/api/v1/fittings", payload, format="json", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=ALB
    )
    return int(response.status_code)


@pytest.fixture
def two_fittings_a_minute() -> Any:
    cache.clear()
    rates = {"fitting_create": "2/minute", "anon": "1000/minute"}
    with mock.patch("rest_framework.throttling.SimpleRateThrottle.THROTTLE_RATES", rates):
        yield
    cache.clear()


def test_without_proxies_a_forged_x_forwarded_for_does_not_escape_the_throttle(two_fittings_a_minute: None) -> None:
    assert [create_fitting(forged) for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3")] == [201, 201, 429]


def test_behind_cloudfront_and_the_alb_the_throttle_counts_the_address_cloudfront_saw(
    settings: Any, two_fittings_a_minute: None
) -> None:
    behind_proxies(settings, 2)
    shopper = f"198.51.100.7, {CLOUDFRONT}"
    forged = [f"{spoof}, 198.51.100.7, {CLOUDFRONT}" for spoof in ("1.1.1.1", "2.2.2.2")]
    assert [create_fitting(shopper), *(create_fitting(f) for f in forged)] == [201, 201, 429]
    assert create_fitting(f"203.0.113.9, {CLOUDFRONT}") == 201  # another shopper has their own count


def test_the_staff_lockout_holds_the_real_address_and_spares_a_colleague_elsewhere(settings: Any) -> None:
    behind_proxies(settings, 2)
    staff, _ = staff_client(Role.CATALOG_MANAGER)

    def sign_in(forwarded_for: str, password: str = "wrong-password-1") -> int:
        response = Client(HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=ALB).post(
            "/admin/login/", {"username": staff.username, "password": password}
        )
        return int(response.status_code)

    attacker = f"192.0.2.66, {CLOUDFRONT}"
    assert [sign_in(attacker) for _ in range(5)][-1] == 429
    # Forging another first entry does not lift the lockout ...
    assert sign_in(f"9.9.9.9, 192.0.2.66, {CLOUDFRONT}") == 429
    # ... and the same username from another address (through the same ALB) may still sign in.
    assert sign_in(f"198.51.100.7, {CLOUDFRONT}", password="a-long-test-password") == 302


@pytest.mark.parametrize(
    ("count", "forwarded_for", "expected"),
    [
        (0, "1.1.1.1", ALB),  # no proxies: the header is the client's own text
        (2, f"198.51.100.7, {CLOUDFRONT}", "198.51.100.7"),  # as CloudFront and the ALB wrote it
        (2, f" 198.51.100.7 ,{CLOUDFRONT} ", "198.51.100.7"),
        (2, f"6.6.6.6, 7.7.7.7, 198.51.100.7, {CLOUDFRONT}", "198.51.100.7"),  # long: forged entries first
        (2, f"2001:db8::7, {CLOUDFRONT}", "2001:db8::7"),
        (2, "1.1.1.1", ALB),  # short: not through both proxies, so the nearest proxy
        (2, "", ALB),
        (3, f"198.51.100.7, {CLOUDFRONT}", ALB),
        (2, f"<script>, {CLOUDFRONT}", ALB),  # not an address where the client should be
        (2, f"198.51.100.7:443, {CLOUDFRONT}", ALB),
        (1, "a" * 5000, ALB),
    ],
)
def test_the_client_is_read_from_the_right_and_never_as_the_client_wrote_it(
    settings: Any, count: int, forwarded_for: str, expected: str
) -> None:
    from django.test import RequestFactory

    from earfit.client_ip import client_ip

    behind_proxies(settings, count)
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=ALB)
    assert client_ip(request) == expected


def test_a_short_x_forwarded_for_does_not_make_each_request_a_fresh_client(
    settings: Any, two_fittings_a_minute: None
) -> None:
    behind_proxies(settings, 2)
    # Before: each one-entry header was read as the client, so every request was somebody new.
    assert [create_fitting(forged) for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3")] == [201, 201, 429]


def test_a_short_x_forwarded_for_does_not_escape_the_staff_lockout(settings: Any) -> None:
    behind_proxies(settings, 2)
    staff, _ = staff_client(Role.CATALOG_MANAGER)

    def sign_in(forwarded_for: str) -> int:
        response = Client(HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=ALB).post(
            "/admin/login/", {"username": staff.username, "password": "wrong-password-1"}
        )
        return int(response.status_code)

    assert [sign_in(f"192.0.2.{n}") for n in range(1, 6)][-1] == 429
    assert sign_in("192.0.2.77") == 429


@pytest.mark.parametrize("forwarded_for", ["not-an-ip", f"not-an-ip, {CLOUDFRONT}", "::::, ;", "%00"])
def test_a_non_ip_x_forwarded_for_on_the_staff_sign_in_is_an_answer_not_a_500(
    settings: Any, forwarded_for: str
) -> None:
    behind_proxies(settings, 2)
    staff, _ = staff_client(Role.CATALOG_MANAGER)
    response = Client(HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR=ALB).post(
        "/admin/login/", {"username": staff.username, "password": "wrong-password-1"}
    )
    assert response.status_code == 200  # the sign-in form again, with its error
