"""The embedded default (`make run`: SQLite, runserver) serves several shoppers at once, no 503."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import SPORT_ANSWERS
from tests.embedded_server import embedded_earfit

SHOPPERS = 8


@pytest.fixture
def embedded_server() -> Iterator[str]:
    with embedded_earfit("load_demo_catalog") as base:
        yield base


def call(method: str, url: str, body: object = None, token: str | None = None) -> tuple[int, dict[str, object]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 -- loopback http
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            raw = response.read()
            return response.status, json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def shopper(base: str) -> list[int]:
    """One shopper's journey without a photo: start, read the ranking twice, give feedback, erase."""
    consent = {"version": "2026-11-01", "accepted": True}
    status, created = call(
        "POST", f"{base}/api/v1/fittings", {"questionnaire_version": 1, "answers": SPORT_ANSWERS, "consent": consent}
    )
    if status != 201:
        return [status]
    fitting, token = f"{base}/api/v1/fittings/{created['id']}", str(created["access_token"])
    statuses = [status]
    first, ranking = call("GET", f"{fitting}/recommendation", token=token)
    statuses += [first, call("GET", f"{fitting}/recommendation", token=token)[0]]
    product = ranking["items"][0]["product"]["id"] if first == 200 else 1  # type: ignore[index]
    statuses.append(
        call("POST", f"{fitting}/feedback", {"product_id": product, "fit": "right", "comfort": 4}, token)[0]
    )
    statuses.append(call("DELETE", fitting, token=token)[0])
    return statuses


def test_eight_shoppers_at_once_on_sqlite_get_no_503(embedded_server: str) -> None:
    with ThreadPoolExecutor(SHOPPERS) as pool:
        journeys = list(pool.map(shopper, [embedded_server] * SHOPPERS))
    assert journeys == [[201, 200, 200, 201, 204]] * SHOPPERS
