"""A shopper's whole fitting in a real browser against the real server and the real model."""

from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest

from inference.training.renderer import render_photo
from recommendations.catalog.services import product_load_demo_catalog
from recommendations.models import EarPhoto, Fitting

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def assert_accessible(page: Any, screen: str) -> None:
    """axe-core on the current screen: no serious or critical violation."""
    page.add_script_tag(content=AXE_JS)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on the {screen} screen: {bad}"


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


@pytest.fixture
def ear_photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "left-ear.jpg"
    render_photo(11, size=(1024, 768), ear=True, card=True).image.save(path, "JPEG", quality=92)
    return path


def test_shopper_completes_a_fitting_with_a_photo_and_erases_it(
    frontend_dist: Path, live_server: Any, browser: Any, artifacts: Path, ear_photo_file: Path
) -> None:
    product_load_demo_catalog()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    try:
        _journey(page, live_server.url, artifacts, ear_photo_file)
    except Exception:
        shot(page, artifacts, "failure")
        print("browser console:", *console, sep="\n  ")
        raise
    context.close()

    fitting = Fitting.objects.get()
    assert fitting.status == "erased"
    assert fitting.answers == {}
    assert EarPhoto.objects.count() == 0


def _journey(page: Any, base_url: str, artifacts: Path, ear_photo_file: Path) -> None:
    page.goto(base_url + "/")

    # Consent: shown first, never pre-ticked, required.
    page.get_by_test_id("consent-heading").wait_for()
    assert not page.get_by_test_id("consent-checkbox").is_checked()
    shot(page, artifacts, "01-consent")
    assert_accessible(page, "consent")
    page.get_by_test_id("consent-continue").click()
    page.get_by_test_id("consent-error").wait_for()
    page.get_by_test_id("consent-checkbox").check()
    page.get_by_test_id("consent-continue").click()

    # Questionnaire: one question at a time; required ones are checked before moving on.
    page.get_by_test_id("questionnaire-heading").wait_for()
    page.get_by_test_id("question-uses").wait_for()
    shot(page, artifacts, "02-questionnaire")
    assert_accessible(page, "questionnaire")
    page.get_by_test_id("questionnaire-next").click()
    page.get_by_test_id("question-error-uses").wait_for()
    answers = [
        ("uses", "sport"),
        ("form_factor", "no_preference"),
        ("noise_cancelling", "no"),
        ("wireless", "wireless"),
        ("budget", "under_50"),
        ("glasses", "no"),
        ("past_problems", None),
        ("current_tip_size", None),
    ]
    for index, (key, value) in enumerate(answers):
        page.get_by_test_id(f"question-{key}").wait_for()
        if value is not None:
            page.get_by_test_id(f"answer-{key}-{value}").check()
        last = index == len(answers) - 1
        page.get_by_test_id("questionnaire-submit" if last else "questionnaire-next").click()

    # Capture: upload a rendered ear photo with a card for the left ear.
    page.get_by_test_id("capture-heading").wait_for()
    page.get_by_test_id("file-input-left").set_input_files(str(ear_photo_file))
    page.get_by_test_id("upload-left").click()
    page.get_by_test_id("measured-left").wait_for(timeout=60_000)
    shot(page, artifacts, "03-capture")
    assert_accessible(page, "capture")
    page.get_by_test_id("capture-continue").click()

    # Results: ranked products from the measurements, with the overlay picture.
    page.get_by_test_id("results-heading").wait_for()
    page.get_by_test_id("results-list").wait_for()
    items = page.get_by_test_id("result-item")
    assert items.count() >= 3
    assert page.get_by_test_id("questionnaire-only-notice").count() == 0
    overlay = page.get_by_test_id("overlay-image-left")
    overlay.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('[data-testid=overlay-image-left]'); return i && i.naturalWidth > 0 }"
    )
    shot(page, artifacts, "04-results")
    assert_accessible(page, "results")

    # Feedback on the top product.
    product_id = items.first.get_attribute("data-product-id")
    page.get_by_test_id(f"feedback-{product_id}-toggle").click()
    page.get_by_test_id(f"feedback-{product_id}-fit-right").check()
    page.get_by_test_id(f"feedback-{product_id}-comfort-4").check()
    page.get_by_test_id(f"feedback-{product_id}-submit").click()
    page.get_by_test_id(f"feedback-{product_id}-sent").wait_for()
    shot(page, artifacts, "05-feedback")

    # Erase: confirmed, then everything of this fitting is gone.
    page.get_by_test_id("erase-button").click()
    page.get_by_test_id("erase-confirm").click()
    notice = page.get_by_test_id("app-notice")
    notice.wait_for()
    assert "erased" in notice.inner_text().lower()
    shot(page, artifacts, "06-erased")
    assert_accessible(page, "erased")
