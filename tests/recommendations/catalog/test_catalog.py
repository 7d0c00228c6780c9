from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from recommendations.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_demo_catalog_loads_at_least_40_products_idempotently() -> None:
    call_command("load_demo_catalog")
    count = Product.objects.count()
    assert count >= 40
    assert set(Product.objects.values_list("form_factor", flat=True)) == {
        "in_ear",
        "earbud",
        "over_ear",
        "on_ear",
        "open",
        "ear_hook",
    }
    call_command("load_demo_catalog")
    assert Product.objects.count() == count


def test_product_list_shows_only_active_products_and_filters(api_client: APIClient) -> None:
    ProductFactory.create(form_factor="over_ear", anc=True)
    ProductFactory.create(form_factor="in_ear", anc=False)
    ProductFactory.create(form_factor="in_ear", anc=True, active=False)
    body = api_client.get("/api/v1/products").json()
    assert body["count"] == 2
    anc = api_client.get("/api/v1/products", {"anc": "true"}).json()
    assert [p["form_factor"] for p in anc["results"]] == ["over_ear"]
    in_ear = api_client.get("/api/v1/products", {"form_factor": "in_ear"}).json()
    assert in_ear["count"] == 1


def test_a_wrong_product_filter_gets_the_error_shape(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/products", {"form_factor": "helmet"})
    assert response.status_code == 400
    assert set(response.json()) == {"message", "code", "extra"}
    assert "form_factor" in response.json()["extra"]["fields"]


def test_catalog_list_query_count_does_not_grow_with_products(
    api_client: APIClient, django_assert_max_num_queries: Any
) -> None:
    ProductFactory.create_batch(30)
    with django_assert_max_num_queries(3):
        assert api_client.get("/api/v1/products").status_code == 200
