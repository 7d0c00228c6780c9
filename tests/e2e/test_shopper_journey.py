"""A shopper's whole fitting in a real browser against the real server and the real model.

At a laptop's width (1366 px) and a phone's (390 px): from the home page to a result, reloading
every step, pressing Back, retaking a rejected photo, comparing and rating products, then
closing the browser, opening it again (a new context with the stored state) and erasing.
"""

from pathlib import Path
from typing import Any

import pytest

from inference.training.renderer import render_photo
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.models import EarPhoto, FitFeedback, Fitting
from tests.e2e.conftest import assert_accessible, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
ANSWERS = [
    ("uses", "sport"),
    ("form_factor", "no_preference"),
    ("noise_cancelling", "no"),
    ("wireless", "wireless"),
    ("budget", "under_50"),
    ("glasses", "no"),
    ("past_problems", None),
    ("current_tip_size", None),
]


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    good, no_ear = tmp_path / "left-ear.jpg", tmp_path / "right-ear.jpg"
    render_photo(11, size=(1024, 768), ear=True, card=True).image.save(good, "JPEG", quality=92)
    render_photo(13, size=(1024, 768), ear=False, card=True).image.save(no_ear, "JPEG", quality=92)
    return {"good": good, "no_ear": no_ear}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_first_time_shopper_reaches_a_result_through_reloads_and_back_and_erases_after_reopening(
    frontend_dist: Path, live_server: Any, browser: Any, artifacts: Path, photos: dict[str, Path], viewport: str
) -> None:
    product_load_demo_catalog()
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    name = f"{viewport}-{size['width']}"
    try:
        product_id = _to_results(page, live_server.url, artifacts, name, photos)
        state = context.storage_state()
    except Exception:
        shot(page, artifacts, f"{name}-failure")
        print("browser console:", *console, sep="\n  ")
        raise
    finally:
        context.close()

    fitting = Fitting.objects.get()
    assert fitting.status == "open"
    assert FitFeedback.objects.get().product_id == int(product_id)
    assert FitFeedback.objects.get().fit == "right"

    # The browser was closed; opened again, it still holds the key, and the shopper can erase.
    reopened = browser.new_context(viewport=size, storage_state=state)
    page = reopened.new_page()
    page.set_default_timeout(30_000)
    try:
        _erase_after_reopening(page, live_server.url, artifacts, name)
    except Exception:
        shot(page, artifacts, f"{name}-failure-reopened")
        raise
    finally:
        reopened.close()

    fitting.refresh_from_db()
    assert fitting.status == "erased"
    assert fitting.answers == {}
    assert EarPhoto.objects.count() == 0
    assert FitFeedback.objects.count() == 0


def _reload(page: Any, heading: str) -> None:
    page.reload()
    page.get_by_test_id(heading).wait_for()


def _to_results(page: Any, base_url: str, artifacts: Path, name: str, photos: dict[str, Path]) -> str:
    page.goto(base_url + "/")

    # Consent: shown first, never pre-ticked, required.
    page.get_by_test_id("consent-heading").wait_for()
    assert not page.get_by_test_id("consent-checkbox").is_checked()
    shot(page, artifacts, f"{name}-01-consent")
    assert_accessible(page, "consent")
    page.get_by_test_id("consent-continue").click()
    page.get_by_test_id("consent-error").wait_for()
    page.get_by_test_id("consent-checkbox").check()
    page.get_by_test_id("consent-continue").click()

    # Questions: one per address; reload keeps the answers, Back returns to the one before.
    page.get_by_test_id("question-uses").wait_for()
    assert page.url == base_url + "/questions/1"
    shot(page, artifacts, f"{name}-02-questionnaire")
    assert_accessible(page, "questionnaire")
    page.get_by_test_id("questionnaire-next").click()
    page.get_by_test_id("question-error-uses").wait_for()
    for index, (key, value) in enumerate(ANSWERS):
        page.get_by_test_id(f"question-{key}").wait_for()
        if value is not None:
            page.get_by_test_id(f"answer-{key}-{value}").check()
        if key == "form_factor":
            _reload(page, "question-form_factor")
            assert page.url == base_url + "/questions/2"
            page.go_back()
            page.get_by_test_id("question-uses").wait_for()
            assert page.get_by_test_id("answer-uses-sport").is_checked()
            page.go_forward()
            page.get_by_test_id("question-form_factor").wait_for()
            assert page.get_by_test_id(f"answer-{key}-{value}").is_checked()
        last = index == len(ANSWERS) - 1
        page.get_by_test_id("questionnaire-submit" if last else "questionnaire-next").click()

    # Photos: a rejected photo is explained once, with an example; a good one is measured.
    page.get_by_test_id("capture-heading").wait_for()
    assert "/photos" in page.url
    _reload(page, "capture-heading")
    page.get_by_test_id("file-input-right").set_input_files(str(photos["no_ear"]))
    retake = page.get_by_test_id("quality-guidance-right")
    retake.wait_for(timeout=60_000)
    reason = page.get_by_test_id("retake-reason-right").inner_text()
    assert reason
    assert "_" not in reason
    assert retake.inner_text().count(reason) == 1
    page.get_by_test_id("file-input-left").set_input_files(str(photos["good"]))
    page.get_by_test_id("measured-left").wait_for(timeout=60_000)
    shot(page, artifacts, f"{name}-03-capture")
    assert_accessible(page, "capture")
    _reload(page, "measured-left")
    page.get_by_test_id("capture-continue").click()

    # Results: ranked from the measurements, the measured ear beside its legend.
    page.get_by_test_id("results-list").wait_for()
    assert page.url.endswith("/results")
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=overlay-image-left]'); return i && i.naturalWidth > 0 }"
    )
    items = page.get_by_test_id("result-item")
    assert items.count() >= 3
    assert page.get_by_test_id("questionnaire-only-notice").count() == 0
    assert "budget" in items.first.get_by_test_id("result-reasons").inner_text()
    assert page.get_by_test_id("legend-left-card").count() == 1
    shot(page, artifacts, f"{name}-04-results")
    assert_accessible(page, "results")

    # Back goes to the photos, Forward to the results again; a reload keeps them.
    page.go_back()
    page.get_by_test_id("measured-left").wait_for()
    page.go_forward()
    page.get_by_test_id("results-list").wait_for()
    _reload(page, "results-list")

    # Compare the first two, then return.
    ids = [items.nth(i).get_attribute("data-product-id") for i in range(2)]
    for product_id in ids:
        page.get_by_test_id(f"compare-{product_id}").check()
    page.get_by_test_id("compare-open").click()
    page.get_by_test_id("compare-table").wait_for()
    assert page.get_by_test_id("compare-product").count() == 2
    shot(page, artifacts, f"{name}-05-compare")
    assert_accessible(page, "compare")
    page.go_back()
    page.get_by_test_id("results-list").wait_for()

    # Feedback on the top product, once; the answer shows after a reload.
    top = str(ids[0])
    page.get_by_test_id(f"feedback-{top}-toggle").click()
    page.get_by_test_id(f"feedback-{top}-fit-right").check()
    page.get_by_test_id(f"feedback-{top}-comfort-4").check()
    page.get_by_test_id(f"feedback-{top}-submit").click()
    page.get_by_test_id(f"feedback-{top}-sent").wait_for()
    _reload(page, f"feedback-{top}-sent")
    assert page.get_by_test_id("keep-link").input_value().startswith(f"{base_url}/fitting/")
    shot(page, artifacts, f"{name}-06-feedback")
    return top


def _erase_after_reopening(page: Any, base_url: str, artifacts: Path, name: str) -> None:
    page.goto(base_url + "/")
    page.get_by_test_id("saved-fitting-link").click()
    page.get_by_test_id("results-list").wait_for()
    shot(page, artifacts, f"{name}-07-reopened")
    page.get_by_test_id("erase-button").click()
    page.get_by_test_id("erase-confirm").click()
    notice = page.get_by_test_id("app-notice")
    notice.wait_for()
    assert "erased" in notice.inner_text().lower()
    assert page.get_by_test_id("saved-fittings").count() == 0
    assert page.evaluate("() => localStorage.getItem('earfit.fittings')") is None
    shot(page, artifacts, f"{name}-08-erased")
    assert_accessible(page, "erased")
