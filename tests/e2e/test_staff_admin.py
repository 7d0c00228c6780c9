"""Staff in the admin, in a real browser at 1366 and 390 px: a catalog manager reads the
statistics, edits tip sizes with checkboxes, retires a product and finds it in its history, and
meets a readable page where the role stops; an auditor reads an audit event in full."""

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from accounts.models import Role
from accounts.services import roles_bootstrap, user_create_staff
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.fittings.services import fitting_create, recommendation_generate
from recommendations.models import FitFeedback, Product
from tests.conftest import SPORT_ANSWERS
from tests.e2e.conftest import assert_accessible, shot
from tests.recommendations.catalog.test_catalog_transfer import csv_file, row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
PASSWORD = "a-long-test-password-42"


def _sign_in(page: Any, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base_url}/admin/")


def _wide_catalog_csv() -> bytes:
    """Two new products whose cells are as long as a real catalog's can be."""
    rows = [
        row(
            slug=f"wide-{n}",
            model=f"In-Ear {n} Professional Monitor Edition",
            description="Long wearing comfort. " * 12,
        )
        for n in range(2)
    ]
    return csv_file(rows)


@pytest.fixture
def shop() -> Product:
    """The demo catalog, one fitting ranked, and fit feedback on its top product."""
    roles_bootstrap()
    product_load_demo_catalog()
    created = fitting_create(
        questionnaire_version=1,
        answers=SPORT_ANSWERS,
        consent_version=settings.CONSENT_TEXT_VERSION,
        consent_accepted=True,
    )
    top = recommendation_generate(fitting=created.fitting).items.get(rank=1)
    FitFeedback.objects.create(fitting=created.fitting, product=top.product, fit="right", comfort=4)
    return top.product


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_catalog_manager_and_an_auditor_work_in_the_admin(
    live_server: Any, browser: Any, artifacts: Path, shop: Product, viewport: str
) -> None:
    user_create_staff(username="catalog", password=PASSWORD, role=Role.CATALOG_MANAGER)
    user_create_staff(username="auditor", password=PASSWORD, role=Role.AUDITOR)
    base, name = live_server.url, f"admin-{viewport}-{VIEWPORTS[viewport]['width']}"
    context = browser.new_context(viewport=VIEWPORTS[viewport])
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Django's own changelists scroll sideways inside their frame on a phone; the pages earfit adds must not.
    wide_ok = viewport == "phone"
    try:
        _sign_in(page, base, "catalog")
        page.goto(f"{base}/admin/recommendations/product/")
        page.get_by_test_id("statistics-link").wait_for()
        shot(page, artifacts, f"{name}-01-products")
        assert_accessible(page, "product list", fits_width=not wide_ok)

        page.get_by_test_id("statistics-link").click()
        page.get_by_test_id("statistics-chart").wait_for()
        assert page.get_by_test_id("chart-bar").count() >= 3
        row = page.locator(f"[data-testid=statistics-product][data-product-id='{shop.pk}']")
        assert row.get_by_test_id("right").inner_text() == "1"
        shot(page, artifacts, f"{name}-02-statistics")
        assert_accessible(page, "statistics")

        page.goto(f"{base}/admin/recommendations/product/{shop.pk}/change/")
        page.locator("input[name=tip_sizes][value=XL]").check()
        shot(page, artifacts, f"{name}-03-product")
        assert_accessible(page, "product change")
        page.locator("input[name=_save]").click()
        page.locator(".messagelist .success").wait_for()
        shop.refresh_from_db()
        assert shop.tip_sizes[-1] == "XL"

        page.goto(f"{base}/admin/recommendations/product/?q={shop.model}")
        page.locator(f"input[name=_selected_action][value='{shop.pk}']").check()
        page.select_option("select[name=action]", "retire")
        page.locator("button[name=index]").click()
        page.locator(".messagelist .success").wait_for()
        page.goto(f"{base}/admin/recommendations/product/{shop.pk}/history/")
        retired = page.locator("[data-testid=product-history] tr[data-action='product.retired']")
        assert "catalog" in retired.inner_text()
        assert "UTC" in retired.inner_text()
        shot(page, artifacts, f"{name}-04-history")
        assert_accessible(page, "product history")

        # The catalog import's preview (twenty columns, long cells) keeps to the page's width.
        page.goto(f"{base}/admin/recommendations/product/import/")
        upload = {"name": "catalog.csv", "mimeType": "text/csv", "buffer": _wide_catalog_csv()}
        page.set_input_files("input[name=import_file]", files=[upload])
        page.select_option("select[name=format]", "0")
        page.locator("#content form [type=submit]").first.click()
        page.locator("table.import-preview").first.wait_for()
        shot(page, artifacts, f"{name}-05-import-preview")
        assert_accessible(page, "import preview", fits_width=not wide_ok)

        response = page.goto(f"{base}/admin/accounts/auditevent/")
        assert response is not None
        assert response.status == 403
        page.get_by_test_id("admin-error").wait_for()
        shot(page, artifacts, f"{name}-06-forbidden")
        assert_accessible(page, "403")
        context.clear_cookies()

        _sign_in(page, base, "auditor")
        page.goto(f"{base}/admin/accounts/auditevent/?action__exact=product.retired")
        page.locator("#result_list tbody tr a").first.click()
        page.get_by_test_id("audit-payload").wait_for()
        assert "UTC" in page.locator(".field-occurred_at").inner_text()
        assert page.locator(".field-hash").inner_text().strip()
        shot(page, artifacts, f"{name}-07-audit-event")
        assert_accessible(page, "audit event")
    except Exception:
        shot(page, artifacts, f"{name}-failure")
        raise
    finally:
        context.close()
