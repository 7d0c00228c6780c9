"""What catalog managers meet in the admin: statistics, the tip-size editor, labels, a product's history."""

import re
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from recommendations.catalog.selectors import catalog_statistics, product_annotate_statistics
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.models import FitFeedback, Fitting, Product, Recommendation
from tests.accounts.audit_helpers import staff_client
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

STATISTICS = "/admin/recommendations/product/statistics/"


def _ranked_twice(owner_client: tuple[APIClient, str]) -> tuple[Fitting, Recommendation]:
    """A fitting ranked, then ranked again after a catalog change (a re-rank)."""
    client, fitting_id = owner_client
    first = client.get(f"/api/v1/fittings/{fitting_id}/recommendation").json()
    product = Product.objects.get(pk=first["items"][-1]["product"]["id"])
    product.description = "Now with a travel case."
    product.save()
    client.get(f"/api/v1/fittings/{fitting_id}/recommendation")
    fitting = Fitting.objects.get(pk=fitting_id)
    assert fitting.recommendations.count() == 2
    return fitting, fitting.recommendations.order_by("created_at", "pk").first()  # type: ignore[return-value]


def test_statistics_count_each_fitting_once_with_its_first_ranking(owner_client: tuple[APIClient, str]) -> None:
    product_load_demo_catalog()
    _, first = _ranked_twice(owner_client)
    top = first.items.get(rank=1).product

    annotated = product_annotate_statistics(products=Product.objects.filter(pk=top.pk)).get()
    assert (annotated._recommended, annotated._top) == (1, 1)  # type: ignore[attr-defined]

    now = timezone.now()
    statistics = catalog_statistics(since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert statistics.fittings == 1
    row = next(p for p in statistics.products if p.product_id == top.pk)
    assert (row.recommended, row.top_pick) == (1, 1)
    assert sum(p.recommended for p in statistics.products) == first.items.count()


def test_statistics_give_fit_and_tip_size_outcomes_for_the_chosen_period(
    owner_client: tuple[APIClient, str], create_fitting: Any, django_assert_max_num_queries: Any
) -> None:
    product_load_demo_catalog()
    fitting, first = _ranked_twice(owner_client)
    top = first.items.get(rank=1)
    FitFeedback.objects.create(fitting=fitting, product=top.product, fit="too_loose", comfort=3)
    other_id, _ = create_fitting()
    old = FitFeedback.objects.create(fitting_id=other_id, product=top.product, fit="right", comfort=5)
    FitFeedback.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))

    now = timezone.now()
    with django_assert_max_num_queries(5):
        statistics = catalog_statistics(since=now - timedelta(days=7), until=now + timedelta(days=1))
    row = next(p for p in statistics.products if p.product_id == top.product_id)
    assert (row.fit.too_loose, row.fit.right, row.fit.too_tight) == (1, 0, 0)
    assert row.comfort == 3
    assert [(t.tip_size, t.fit.too_loose) for t in statistics.tip_sizes] == [(top.tip_size, 1)]


def test_a_catalog_manager_reads_the_statistics_page_with_its_chart(owner_client: tuple[APIClient, str]) -> None:
    product_load_demo_catalog()
    fitting, first = _ranked_twice(owner_client)
    top = first.items.get(rank=1)
    FitFeedback.objects.create(fitting=fitting, product=top.product, fit="right", comfort=4)
    _, client = staff_client(Role.CATALOG_MANAGER)

    today = timezone.now().date()
    response = client.get(STATISTICS, {"since": str(today - timedelta(days=6)), "until": str(today)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1</strong> fitting got a first recommendation" in html
    assert f'name="since" value="{today - timedelta(days=6)}"' in html  # a date input's value is ISO
    assert html.count('data-testid="chart-bar"') == first.items.count()
    assert "<script" not in html.split('id="content-main"')[1]
    assert ' style="' not in html.split('id="content-main"')[1]
    row = re.search(rf'data-product-id="{top.product_id}">(.*?)</tr>', html, re.S)
    assert row is not None
    assert '<td class="numeric" data-testid="shown">1</td>' in row.group(1)
    assert '<td class="numeric" data-testid="right">1</td>' in row.group(1)
    assert f'data-tip-size="{top.tip_size}"' in html


def test_the_statistics_period_is_checked(owner_client: tuple[APIClient, str]) -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    response = client.get(STATISTICS, {"since": "2026-05-01", "until": "2026-04-01"})
    assert response.status_code == 400
    assert "The first day must not be after the last." in response.content.decode()
    assert client.get(STATISTICS, {"since": "not a date", "until": "2026-04-01"}).status_code == 400


def test_only_staff_who_see_products_read_the_statistics() -> None:
    assert Client().get(STATISTICS).status_code == 302  # to the sign-in page
    _, shopper = staff_client(Role.SHOPPER)
    assert shopper.get(STATISTICS).status_code == 302


def _product_form(product: Product, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "brand": product.brand,
        "model": product.model,
        "slug": product.slug,
        "form_factor": product.form_factor,
        "description": "",
        "active": "on",
        "nozzle_diameter_mm": "",
        "shell_length_mm": "",
        "shell_width_mm": "17.0",
        "cup_inner_height_mm": "",
        "cup_inner_width_mm": "",
        "weight_g": "5.0",
        "clamp_force_n": "",
        "anc": "",
        "wireless": "on",
        "water_resistance": "IPX4",
        "microphone": "on",
        "price": "99.00",
        "currency": "EUR",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_tip_sizes_are_edited_with_one_checkbox_per_size_and_saved_in_size_order() -> None:
    product = ProductFactory.create()
    _, client = staff_client(Role.CATALOG_MANAGER)
    url = f"/admin/recommendations/product/{product.pk}/change/"
    page = client.get(url).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="tip_sizes" value="(\w+)"', page)
    assert boxes == ["XS", "S", "M", "L", "XL"]
    assert 'name="tip_sizes" cols' not in page  # no JSON text box

    response = client.post(url, _product_form(product, tip_sizes=["XL", "S"]))
    assert response.status_code == 302, response.content.decode()[:2000]
    product.refresh_from_db()
    assert product.tip_sizes == ["S", "XL"]


@pytest.mark.parametrize(
    ("form_factor", "tips", "error"),
    [
        ("in_ear", [], "An in-ear product comes with at least one tip size"),
        ("over_ear", ["M"], "Over-ear and on-ear headphones have no ear tips"),
        ("in_ear", ["XXL"], "Select a valid choice. XXL is not one of the available choices."),
    ],
)
def test_tip_sizes_that_cannot_be_right_are_refused_with_a_reason(
    form_factor: str, tips: list[str], error: str
) -> None:
    product = ProductFactory.create()
    _, client = staff_client(Role.CATALOG_MANAGER)
    url = f"/admin/recommendations/product/{product.pk}/change/"
    response = client.post(url, _product_form(product, form_factor=form_factor, tip_sizes=tips))
    assert response.status_code == 200
    assert error in response.content.decode()
    product.refresh_from_db()
    assert product.tip_sizes == ["S", "M", "L"]


def test_product_fields_are_labelled_in_words_with_units_and_help() -> None:
    product = ProductFactory.create()
    _, client = staff_client(Role.CATALOG_MANAGER)
    page = client.get(f"/admin/recommendations/product/{product.pk}/change/").content.decode()
    for label in (
        "Clamp force (N):",
        "Weight (g):",
        "Cup opening height (mm):",
        "Ear tips in the box",
        "In the catalog",
    ):
        assert label in page
    assert "Clamp force n" not in page
    assert "how hard the headband presses the cups together" in page


def test_a_retired_product_shows_its_retirement_and_who_retired_it_in_its_history() -> None:
    product = ProductFactory.create()
    user, client = staff_client(Role.CATALOG_MANAGER)
    client.post("/admin/recommendations/product/", {"action": "retire", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert not product.active

    history = client.get(f"/admin/recommendations/product/{product.pk}/history/").content.decode()
    row = re.search(r'data-action="product.retired">(.*?)</tr>', history, re.S)
    assert row is not None
    assert "Product retired" in row.group(1)
    assert user.username in row.group(1)
    assert "UTC" in row.group(1)


def test_an_admin_page_that_fails_answers_with_an_html_page() -> None:
    _, client = staff_client(Role.CATALOG_MANAGER)
    client.raise_request_exception = False
    with mock.patch("recommendations.admin.catalog_statistics", side_effect=RuntimeError("boom")):
        response = client.get(STATISTICS)
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    assert "Something went wrong (500)" in response.content.decode()
    assert "boom" not in response.content.decode()
