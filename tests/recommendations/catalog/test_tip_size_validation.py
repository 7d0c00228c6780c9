"""Tip sizes the ranking cannot read are refused on save (model `clean()` and a database check
constraint); one that got past them costs its product a place in the answer, never the answer."""

import importlib
import logging
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from rest_framework.test import APIClient

from accounts.models import Role
from recommendations.models import Fitting, Product
from recommendations.tasks import fitting_rescore_task
from tests.accounts.audit_helpers import staff_client
from tests.factories import ProductFactory
from tests.recommendations.test_admin import _product_form

pytestmark = pytest.mark.django_db

UNREADABLE = [["XXL"], 5, "M", ["M", "S"], ["M", "M"], [["M"]], {"M": 1}, [None]]


@pytest.mark.parametrize("bad", UNREADABLE)
def test_the_database_refuses_tip_sizes_the_ranking_cannot_read(bad: Any) -> None:
    product = ProductFactory.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(tip_sizes=bad)
    product.refresh_from_db()
    assert product.tip_sizes == ["S", "M", "L"]


@pytest.mark.parametrize("bad", UNREADABLE)
def test_model_clean_names_the_problem_with_tip_sizes(bad: Any) -> None:
    product = ProductFactory.build(tip_sizes=bad)
    with pytest.raises(ValidationError) as caught:
        product.full_clean()
    assert list(caught.value.message_dict) == ["tip_sizes"]


@pytest.mark.parametrize("good", [[], ["M"], ["XS", "S", "M", "L", "XL"]])
def test_every_list_of_known_sizes_in_size_order_is_saved(good: list[str]) -> None:
    product = ProductFactory.create(form_factor="earbud", tip_sizes=good)
    product.full_clean()
    product.refresh_from_db()
    assert product.tip_sizes == good


def test_an_empty_tip_size_list_in_the_admin_is_a_form_error_or_saved_as_empty() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    client.raise_request_exception = False
    in_ear = ProductFactory.create()
    response = client.post(f"/admin/recommendations/product/{in_ear.pk}/change/", _product_form(in_ear))
    assert response.status_code == 200
    assert "An in-ear product comes with at least one tip size" in response.content.decode()
    over_ear = ProductFactory.create(form_factor="over_ear", tip_sizes=[], shell_width_mm=None)
    form = _product_form(over_ear, shell_width_mm="", cup_inner_height_mm="60.0", cup_inner_width_mm="45.0")
    response = client.post(f"/admin/recommendations/product/{over_ear.pk}/change/", form)
    assert response.status_code == 302
    over_ear.refresh_from_db()
    assert over_ear.tip_sizes == []


@pytest.fixture
def check_constraint_dropped() -> None:
    """As if a row had got past the constraint (written before it existed, or by hand in SQL).
    PostgreSQL's DDL is transactional: the test's rollback puts the constraint back."""
    constraint = next(c for c in Product._meta.constraints if c.name == "product_tip_sizes_known")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Product, constraint)


@pytest.mark.postgresql
@pytest.mark.parametrize("bad", [["XXL"], 5, [["M"]]])
def test_a_product_with_unreadable_tip_sizes_is_left_out_and_logged(
    check_constraint_dropped: None,
    owner_client: tuple[APIClient, str],
    caplog: pytest.LogCaptureFixture,
    bad: Any,
) -> None:
    client, fitting_id = owner_client
    good = ProductFactory.create_batch(3)
    broken = ProductFactory.create()
    Product.objects.filter(pk=broken.pk).update(tip_sizes=bad)

    listed = client.get("/api/v1/products")
    assert listed.status_code == 200
    assert {row["id"]: row["tip_sizes"] for row in listed.json()["results"]}[broken.pk] == []

    with caplog.at_level(logging.ERROR):
        response = client.get(f"/api/v1/fittings/{fitting_id}/recommendation")
    assert response.status_code == 200, response.content
    ranked = {item["product"]["id"] for item in response.json()["items"]}
    assert ranked == {p.pk for p in good}
    assert f"product {broken.pk} left out of the ranking" in caplog.text

    fitting = Fitting.objects.get(pk=fitting_id)
    fitting.recommendations.all().delete()  # so the re-rank task ranks afresh
    fitting_rescore_task.apply(args=[fitting_id]).get()
    reranked = fitting.recommendations.get()
    assert set(reranked.items.values_list("product_id", flat=True)) == {p.pk for p in good}


def test_the_migration_repairs_stored_tip_sizes_instead_of_refusing_them() -> None:
    migration = importlib.import_module("recommendations.migrations.0007_tip_size_check")
    assert migration._readable("s/m") == ["S", "M"]
    assert migration._readable(["XXL", "M", "S", "M"]) == ["S", "M"]
    assert migration._readable(5) == []
    assert migration._readable(None) == []
    assert migration._readable(["L", "XS"]) == ["XS", "L"]
