"""Concurrent calls on one fitting, from threads with their own PostgreSQL connections."""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.audit.models import AuditEvent
from recommendations.models import FitFeedback, Fitting, FittingStatus, Recommendation

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PARALLEL = 8


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Start every call at the same moment, each on its own thread and database connection."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def owner(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_parallel_first_reads_create_one_recommendation(create_fitting: Any, catalog: Any) -> None:
    fitting_id, token = create_fitting()
    url = f"/api/v1/fittings/{fitting_id}/recommendation"
    responses = at_once([lambda: owner(token).get(url) for _ in range(PARALLEL)])
    assert [r.status_code for r in responses] == [200] * PARALLEL
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 1
    assert AuditEvent.objects.filter(action="recommendation.generated").count() == 1
    # Every reader got the same ranking.
    assert len({tuple(item["product"]["id"] for item in r.json()["items"]) for r in responses}) == 1


def test_parallel_identical_feedback_leaves_one_row(create_fitting: Any, catalog: Any) -> None:
    fitting_id, token = create_fitting()
    url = f"/api/v1/fittings/{fitting_id}/feedback"
    body = {"product_id": catalog[0].pk, "fit": "right", "comfort": 4}
    responses = at_once([lambda: owner(token).post(url, body, format="json") for _ in range(PARALLEL)])
    assert [r.status_code for r in responses] == [201] * PARALLEL
    assert FitFeedback.objects.filter(fitting_id=fitting_id).count() == 1


def test_parallel_erasures_all_answer_204_and_erase_once(create_fitting: Any) -> None:
    fitting_id, token = create_fitting()
    url = f"/api/v1/fittings/{fitting_id}"
    responses = at_once([lambda: owner(token).delete(url) for _ in range(PARALLEL)])
    assert [r.status_code for r in responses] == [204] * PARALLEL
    assert Fitting.objects.get(pk=fitting_id).status == FittingStatus.ERASED
    assert AuditEvent.objects.filter(action="fitting.erased", object_id=fitting_id).count() == 1


def test_feedback_and_reads_racing_an_erasure_leave_nothing_behind(create_fitting: Any, catalog: Any) -> None:
    fitting_id, token = create_fitting()
    base = f"/api/v1/fittings/{fitting_id}"
    body = {"product_id": catalog[1].pk, "fit": "too_tight", "comfort": 2}
    calls: list[Callable[[], Any]] = [lambda: owner(token).delete(base)]
    calls += [lambda: owner(token).post(f"{base}/feedback", body, format="json") for _ in range(3)]
    calls += [lambda: owner(token).get(f"{base}/recommendation") for _ in range(3)]
    responses = at_once(calls)
    assert responses[0].status_code == 204
    assert {r.status_code for r in responses[1:4]} <= {201, 404}
    assert {r.status_code for r in responses[4:]} <= {200, 404}
    # Whatever ran before the erasure was erased with it; nothing ran after it.
    assert not FitFeedback.objects.filter(fitting_id=fitting_id).exists()
    assert not Recommendation.objects.filter(fitting_id=fitting_id).exists()
