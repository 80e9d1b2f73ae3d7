"""The web UI in headless Chromium (Playwright driving the system's chromium): sign in,
search, the council page and its chart, marking a false positive; and proof that
scraped payloads never run a script.  Screenshots are saved in ``test-artifacts/``.

Chromium comes from the system (``make test`` installs Debian's ``chromium``); when it is
missing these tests are skipped with a notice, unless ``MONITOR_TEST_BROWSER=required``
(CI sets it), which makes that a failure.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from monitor.pipeline import poll_sources
from monitor.types import SourceSpec
from tests.webapp import PASSWORD, WOKING, Web

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CHROMIUM = os.environ.get("MONITOR_TEST_CHROMIUM") or shutil.which("chromium") or ""
REQUIRED = os.environ.get("MONITOR_TEST_BROWSER", "").lower() == "required"


@pytest.fixture(params=["sqlite"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The browser tests run on SQLite only (the API tests cover both backends)."""
    return f"sqlite:///{tmp_path / 'browser.db'}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM:
        if REQUIRED:
            pytest.fail(
                "MONITOR_TEST_BROWSER=required but no chromium found (apt-get install chromium)"
            )
        pytest.skip("no chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def shot(pg: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(pg: Any, web: Web, name: str = "ana") -> None:
    pg.goto(web.base + "/alerts")
    assert "/login" in pg.url  # not signed in: sent to the login page
    pg.fill("#username", name)
    pg.fill("#password", PASSWORD)
    pg.click("button[type=submit]")
    pg.wait_for_url(web.base + "/alerts")


def test_sign_in_search_council_chart_and_false_positive(page: Any, web: Web) -> None:
    page.goto(web.base + "/login")
    page.fill("#username", "ana")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "Wrong name or password" in page.inner_text("#login-error")
    shot(page, "login-refused")
    sign_in(page, web)
    shot(page, "alerts")

    page.goto(web.base + "/search")
    page.fill("#q", "budget")
    page.select_option("#signal", "financial_distress")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("#results")
    hits = page.locator("#results .hit")
    assert hits.count() > 0
    assert page.locator("#results mark").count() > 0  # matches highlighted
    assert page.locator("#results .evidence").count() > 0  # with their evidence
    shot(page, "search")

    page.goto(f"{web.base}/councils/{WOKING}")
    assert page.locator("h1").inner_text() == "Woking Borough Council"
    chart = page.locator("#chart svg.chart")
    assert chart.is_visible()
    assert chart.locator("polyline.series").count() == 4
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 80
    shot(page, "council")

    page.goto(f"{web.base}/alerts/{web.alert_id}")
    page.fill("#reason", "Routine budget monitoring, not distress")
    page.click("#mark-false-positive")
    page.wait_for_selector("#false-positive")
    assert "Routine budget monitoring" in page.inner_text("#false-positive")
    shot(page, "false-positive")
    alert = web.store.alerts.get(web.alert_id)
    assert alert is not None and "Routine budget monitoring" in alert["false_positive_reason"]


def test_no_script_from_scraped_content_ever_runs(page: Any, web: Web, server: Any) -> None:
    # also the hand-made hostile feed, through the real feed pipeline
    server.serve_file("/hostile.xml", FEEDS / "hostile.xml")
    web.store.sources.add(
        SourceSpec(id="hostile-feed", kind="feed", url=server.url("/hostile.xml"))
    )
    # Playwright's sync API owns this thread's event loop: poll from another thread
    specs = web.store.sources.specs(ids=["hostile-feed"])
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(poll_sources(web.store, web.settings, specs))).result()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, web)
    pages = [
        "/search?q=budget",
        "/search?q=budget&page=2",
        "/search?q=cabinet OR leader OR statement",
        f"/councils/{WOKING}",
        f"/alerts/{web.alert_id}",
        "/",
    ]
    for n, path in enumerate(pages):
        page.goto(web.base + path)
        for link in page.locator("a").all()[:60]:
            link.hover()  # would fire onmouseover payloads
        assert page.evaluate("() => document.querySelectorAll('script').length") == 0
        assert page.evaluate("() => typeof window.__xss") == "undefined", path
        shot(page, f"xss-{n}")
    # the javascript: URL of a scraped item is neutralised, clicking it runs nothing
    page.goto(web.base + "/search?q=budget")
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h and h.lower().startswith("javascript")]
    assert dialogs == []
    assert page.evaluate("() => typeof window.__xss") == "undefined"
