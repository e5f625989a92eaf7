"""Screenshots of every dashboard page over a store (default: a `powderkeg demo` store), for the
docs: `python tools/serve_screenshots.py DB OUTDIR`. Forecast and simulate use the fakes of
tests/serve_support.py when this build lacks them (the caption says so)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import pytest  # noqa: E402

from powderkeg.serve import create_app  # noqa: E402
from serve_support import ServerThread, install_fakes  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip


def main(db: str, out: str) -> None:
    from playwright.sync_api import sync_playwright

    import powderkeg.api

    outdir = Path(out)
    outdir.mkdir(parents=True, exist_ok=True)
    mp = pytest.MonkeyPatch()
    if not hasattr(powderkeg.api, "forecast"):
        install_fakes(mp, Path(tempfile.mkdtemp()))
        print("forecast/simulate: contract-shaped fakes (not in this build)")
    app = create_app(db, allowed_hosts=["127.0.0.1"])
    with ServerThread(app) as srv, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = b.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        for name, path in [("overview", "/"), ("theatre", "/theatre/serbia-kosovo"), ("links", "/links"),
                           ("actors", "/actors"), ("forecasts", "/forecasts"), ("documents", "/documents")]:  # fmt: skip
            page.goto(srv.url + path)
            page.wait_for_selector("body[data-ready='1']", timeout=180_000)
            if name == "theatre":
                page.select_option("#freq", "week")
                page.wait_for_timeout(800)
            if name == "forecasts":
                page.locator("#go-a").click()
                page.fill("#sets-b", "escalation.rate=0.6")
                page.locator("#go-b").click()
                page.wait_for_timeout(1500)
            if name == "documents":
                first = page.locator("#doc-list a").first
                first.click()
                page.wait_for_selector("body[data-ready='1']", timeout=60_000)
                name = "document"
            page.screenshot(path=str(outdir / f"serve-{name}.png"), full_page=False)
            print(name, "ok")
        b.close()
    mp.undo()
    print("console errors:", errors)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
