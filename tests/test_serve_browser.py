"""`powderkeg serve` end to end in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright; never a downloaded browser): every page loads with no console error and no request
to another host, the main flows are clicked through, and screenshots are saved (under
``$POWDERKEG_ARTIFACTS`` or ``build/serve-screenshots``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from serve_support import (
    EVIL_TEXT,
    SPIKE_EVENTS,
    ServerThread,
    evil_document,
    install_fakes,
    serve_app,
)

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
SHOTS = Path(os.environ.get("POWDERKEG_ARTIFACTS", Path(__file__).parent.parent / "build" / "serve-screenshots"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    mp = pytest.MonkeyPatch()
    install_fakes(mp, tmp_path_factory.mktemp("scen"))
    try:
        with ServerThread(serve_app()) as srv:
            yield srv
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as pw_expect

    return pw_expect(locator)


class Page:
    """A page that records console errors, page errors and any request to another host."""

    def __init__(self, browser: Any, server: ServerThread) -> None:
        self.base = server.url
        self.ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.page = self.ctx.new_page()
        self.errors: list[str] = []
        self.external: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.ctx.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.external.append(route.request.url)
            route.abort()

    def open(self, path: str, *, ready: bool = True) -> Any:
        self.page.goto(self.base + path)
        if ready:
            self.page.wait_for_selector("body[data-ready='1']", timeout=90_000)
        return self.page

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"serve-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.external == [], self.external
        assert self.page.evaluate("document.body.dataset.pwned") is None

    def click_chart_point(self, selector: str, series: int, x: Any, y: float) -> None:
        """Click where an ECharts series draws the point (x, y)."""
        px = self.page.evaluate(
            "([sel, s, x, y]) => echarts.getInstanceByDom(document.querySelector(sel))"
            ".convertToPixel({seriesIndex: s}, [x, y])",
            [selector, series, x, y],
        )
        box = self.page.locator(selector).bounding_box()
        self.page.mouse.click(box["x"] + px[0], box["y"] + px[1])

    def close(self) -> None:
        self.ctx.close()


@pytest.fixture
def page(browser: Any, server: ServerThread) -> Iterator[Page]:
    p = Page(browser, server)
    yield p
    p.close()


def test_overview_map_alert_evidence_and_theatre_link(page: Page) -> None:
    pg = page.open("/")
    assert pg.locator("#theatre-table tbody tr").count() == 5
    assert pg.locator(".leaflet-interactive, .leaflet-overlay-pane canvas").count() >= 1
    assert "watch" in pg.locator("#theatre-table").inner_text() or "alarm" in pg.locator("#theatre-table").inner_text()
    page.shot("overview")
    pg.locator("#alert-list li.alert a").first.click()
    pg.wait_for_selector("#evidence-list li.event")
    assert "Serbian troops" in pg.locator("#evidence-list").inner_text()
    page.shot("overview-alert-evidence")
    pg.locator("#evidence-close").click()
    pg.locator("#theatre-table a", has_text="Serbia").click()
    pg.wait_for_selector("body[data-ready='1'][data-page='theatre']", timeout=90_000)
    page.check_clean()


def test_theatre_trend_point_opens_its_events(page: Page) -> None:
    pg = page.open("/theatre/serbia-kosovo")
    pg.select_option("#freq", "week")
    pg.locator("#norm").uncheck()
    pg.wait_for_selector("#trend[data-series]")
    rows = pg.evaluate("fetch('/api/trend/serbia-kosovo?freq=week').then(r => r.json()).then(j => j.rows)")
    spike = max(range(len(rows)), key=lambda i: rows[i]["quad_material_conflict"])
    assert rows[spike]["quad_material_conflict"] == SPIKE_EVENTS
    pg.wait_for_timeout(300)
    series = pg.evaluate(
        "echarts.getInstanceByDom(document.querySelector('#trend')).getOption().series.map(s => s.name)"
    )
    idx = series.index("material conflict")
    page.click_chart_point("#trend", idx, spike, SPIKE_EVENTS)
    pg.wait_for_selector("#evidence-list li.event")
    expect(pg.locator("#evidence-summary")).to_have_text(f"{SPIKE_EVENTS} event(s)", timeout=30_000)
    assert pg.locator("#evidence-list li.event").count() == SPIKE_EVENTS
    page.shot("theatre-evidence")
    pg.locator("#evidence-close").click()
    assert pg.locator("#alerts li.alert").count() >= 1
    assert pg.locator("#recent li.event").count() >= 10
    page.shot("theatre")
    page.check_clean()


def test_stored_document_is_escaped_and_highlighted(page: Page) -> None:
    doc = evil_document()
    pg = page.open(f"/documents/{doc.doc_id}#ev-{doc.events[0].id}")
    view = pg.locator("#doc-view")
    assert "<script>" in view.inner_text() and "onerror=" in view.inner_text()
    assert pg.locator("#doc-view mark").count() == 1
    assert pg.locator("#doc-view img, #doc-view script").count() == 0
    assert pg.locator("#doc-title").inner_text().startswith("Evil <script>")
    page.shot("document")
    page.check_clean()


def test_documents_paste_code_and_brief(page: Page) -> None:
    pg = page.open("/documents")
    assert pg.locator("#doc-list li a").count() == 1
    pg.fill("#doc-title", '<img src=x onerror="document.body.dataset.pwned=3">')
    pg.fill("#doc-text", EVIL_TEXT)
    pg.fill("#doc-date", "2022-05-20")
    pg.locator("#code-btn").click()
    pg.wait_for_selector("#result:not([hidden])", timeout=120_000)
    assert pg.locator("#doc-view mark").count() >= 1
    assert "<script>" in pg.locator("#doc-view").inner_text()
    assert pg.locator("#brief").inner_text().strip()
    assert pg.locator("#result img, #result script").count() == 0
    page.shot("documents-coded")
    page.check_clean()


def test_links_matrix_and_network(page: Page) -> None:
    pg = page.open("/links")
    assert "Streams:" in pg.locator("#link-status").inner_text()
    page.click_chart_point("#matrix", 0, 0, 0)
    pg.wait_for_selector("#evidence-list li.event")
    page.shot("links")
    page.check_clean()


def test_actors_network(page: Page) -> None:
    pg = page.open("/actors")
    assert int(pg.locator("#network").get_attribute("data-nodes")) >= 4
    pg.select_option("#theatre", "ukraine")
    pg.wait_for_selector("#network[data-nodes='2']")
    page.shot("actors")
    page.check_clean()


def test_forecasts_fan_and_two_whatif_runs(page: Page) -> None:
    pg = page.open("/forecasts")
    assert "fake" in pg.locator("#fc-status").inner_text()
    assert pg.locator("#sc-name option").count() == 1
    assert "escalation" in pg.locator("#sc-yaml").input_value()
    pg.locator("#go-a").click()
    expect(pg.locator("#meta-a")).to_contain_text("runs", timeout=30_000)
    pg.fill("#sets-b", "escalation.rate=0.6")
    pg.locator("#go-b").click()
    expect(pg.locator("#meta-b")).to_contain_text("Difference", timeout=30_000)
    assert "war +0.100" in pg.locator("#meta-b").inner_text()
    assert pg.locator("#paths-a li").count() == 2
    page.shot("forecasts")
    page.check_clean()
