"""The recommendation read answers from the cache while its inputs are unchanged, ranks again when
they change, and an erasure removes the cached answer."""

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from recommendations.fittings.services import recommendation_answer_cache_key
from recommendations.models import Product, Recommendation

# serialized_rollback as in the folder's other transactional tests: a plain flush leaves the content
# types recreated, and the next test restoring its serialized database then inserts them twice.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _read(client: APIClient, fitting_id: str) -> tuple[dict[str, Any], list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/fittings/{fitting_id}/recommendation")
    assert response.status_code == 200, response.content
    return response.json(), [query["sql"] for query in captured.captured_queries]


def _reads_recommendations(queries: list[str]) -> bool:
    return any("recommendations_recommendation" in sql for sql in queries)


def test_a_second_read_with_the_same_inputs_is_the_cached_answer(
    owner_client: tuple[APIClient, str], catalog: Any
) -> None:
    client, fitting_id = owner_client
    first, first_queries = _read(client, fitting_id)
    second, second_queries = _read(client, fitting_id)
    assert second == first
    assert first["items"]
    assert first["fitting_id"] == fitting_id
    assert _reads_recommendations(first_queries)
    assert not _reads_recommendations(second_queries)
    assert len(second_queries) < len(first_queries)
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 1


def test_a_catalog_change_ranks_again_instead_of_answering_from_the_cache(
    owner_client: tuple[APIClient, str], catalog: Any
) -> None:
    client, fitting_id = owner_client
    before, _ = _read(client, fitting_id)
    product = Product.objects.get(pk=before["items"][0]["product"]["id"])
    product.price = product.price * 3 + 500  # far over the budget: it loses its place
    product.save()
    after, queries = _read(client, fitting_id)
    assert _reads_recommendations(queries)
    assert Recommendation.objects.filter(fitting_id=fitting_id).count() == 2
    assert after["items"][0]["product"]["id"] != product.pk


def test_erasure_removes_the_cached_answer(owner_client: tuple[APIClient, str], catalog: Any) -> None:
    client, fitting_id = owner_client
    _read(client, fitting_id)
    assert cache.get(recommendation_answer_cache_key(fitting_id)) is not None
    assert client.delete(f"/api/v1/fittings/{fitting_id}").status_code == 204
    assert cache.get(recommendation_answer_cache_key(fitting_id)) is None
    assert client.get(f"/api/v1/fittings/{fitting_id}/recommendation").status_code == 404
