"""End-to-end fixtures: the built client, the real Django server, and Debian's Chromium.

Nothing here downloads a browser: Playwright drives `/usr/bin/chromium` (`.ci/run` installs it).
Screenshots of each screen are written to `artifacts/e2e/` as test artefacts.
"""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
ARTIFACTS = ROOT / "artifacts" / "e2e"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def frontend_dist() -> Path:
    """The production build of the client, built by the same Makefile target `make run` uses."""
    subprocess.run(["make", "frontend"], cwd=ROOT, check=True)  # noqa: S607 -- make from PATH, fixed arguments
    dist = FRONTEND / "dist"
    assert (dist / "index.html").is_file(), "the client build did not produce index.html"
    # The live server's WhiteNoise reads this when it starts, which is after this fixture.
    settings.WHITENOISE_ROOT = str(dist)
    settings.FRONTEND_DIST = dist
    return dist


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), f"Chromium not found at {CHROMIUM}: apt-get install -y chromium"
    # Playwright's sync API keeps an event loop on this thread; the test's own database reads are
    # synchronous and safe here, so Django's async-context guard is lifted for the e2e tests only.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            yield browser
            browser.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


AXE_JS = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


def assert_accessible(page: Any, screen: str, *, fits_width: bool = True) -> None:
    """axe-core on the current screen: no serious or critical violation, and nothing wider than
    the window (a page that scrolls sideways on a phone hides part of every line)."""
    # Evaluated through the DevTools protocol, not added as a <script>: the Content-Security-Policy
    # refuses inline scripts, and the test must not need a hole in it.
    page.evaluate(f"() => {{ {AXE_JS}\n; window.axe = axe; }}")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"accessibility violations on the {screen} screen: {bad}"
    if fits_width:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the {screen} screen is {overflow} px wider than the window"


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
