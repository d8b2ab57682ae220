"""``mmltr inspect`` in a real headless browser: Debian's Chromium driven by Playwright (``executable_path``, no
browser download), on the page's own threaded server bound to 127.0.0.1.

The page loads with the rankers and users; a search renders both columns with their images (every image
loaded); switching the user re-ranks the personal side and leaves the bm25 side alone; "why?" shows a
result's contributions; the report tab shows the latest report; and no console error, page error or failed
request happens on the way. A screenshot is written to pytest's tmp dir and, with ``MMLTR_ARTIFACTS`` set,
copied there."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pi_inspect_world import REPORT_MARKER, InspectWorld, personal_pair

from plugin_integration.cli_inspect import bind, build_page

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 30_000  # two shared cores: a personal search with its query vectors can take a few seconds

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH: apt-get install chromium "
                                                           "(scripts/setup_env.sh with MMLTR_WITH_APT=1)")]


@pytest.fixture(scope="module")
def served(inspect_world: InspectWorld) -> Iterator[tuple[str, Any]]:
    """The page on a free loopback port, and its test client (to choose the query and users)."""
    app, _, _ = build_page(inspect_world.context())
    server = bind(app, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app.test_client()
    finally:
        server.shutdown()
        server.server_close()


def _ids(page: Any, side: str) -> list[str]:
    return page.eval_on_selector_all(f'.column[data-side="{side}"] .hit', "rows => rows.map(r => r.dataset.id)")


def _search_done(page: Any, count: int) -> None:
    # selectors, not wait_for_function: the page's CSP (no 'unsafe-eval') refuses Playwright's string predicates
    page.wait_for_selector(f"body[data-searched='{count}']", state="attached")


def _images_loaded(page: Any) -> list[int]:
    """Each result image's natural width, once every image finished loading (or failed: width 0)."""
    for _ in range(TIMEOUT_MS // 100):
        if page.eval_on_selector_all("img", "imgs => imgs.every(i => i.complete)"):
            break
        page.wait_for_timeout(100)
    return page.eval_on_selector_all(".hit img.thumb", "imgs => imgs.map(i => i.naturalWidth)")


def test_page_compares_two_rankers_in_chromium(served: tuple[str, Any], inspect_world: InspectWorld,
                                               tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    url, client = served
    query, first_user, second_user = personal_pair(client, inspect_world.world, inspect_world.personal)
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda req: errors.append(f"failed: {req.url[:100]}"))
            page.goto(url, wait_until="load")
            page.wait_for_selector("body[data-ready='true']", state="attached")
            assert page.title() == "mmltr inspect"
            rankers = page.eval_on_selector_all("#right option", "options => options.map(o => o.value)")
            models = sorted([inspect_world.personal, inspect_world.based, inspect_world.plain])
            assert rankers == ["bm25", "hybrid", *models]
            assert page.input_value("#left") == "bm25" and page.input_value("#right") == inspect_world.based
            page.select_option("#right", inspect_world.personal)
            assert page.locator("#user option").count() == 41  # anonymous and the 40 stored users

            page.fill("#query", query)
            page.select_option("#user", first_user)
            page.click("#search")
            _search_done(page, 1)
            left, right = _ids(page, "left"), _ids(page, "right")
            assert len(left) == 10 and len(right) == 10
            widths = _images_loaded(page)
            assert len(widths) == 20 and all(w > 0 for w in widths), widths
            assert page.locator(".moved").count() == 20
            title = page.inner_text('.column[data-side="right"] .column-title')
            assert inspect_world.personal in title and f"for {first_user}" in title

            page.select_option("#user", second_user)  # a change of user searches again
            _search_done(page, 2)
            assert _ids(page, "right") != right
            assert _ids(page, "left") == left

            page.click('.column[data-side="right"] .hit:first-child .why')
            table = page.wait_for_selector('.column[data-side="right"] .hit:first-child table.contributions')
            assert "score under" in table.inner_text() and page.locator("table.contributions tbody tr").count() >= 3
            shot = tmp_path / "inspect.png"
            page.screenshot(path=str(shot), full_page=True)

            page.click("#tab-report")
            frame = page.wait_for_selector("#report-frame:not([hidden])").content_frame()
            assert frame is not None
            frame.wait_for_selector("#marker")
            assert frame.inner_text("#marker") == REPORT_MARKER
            assert page.is_hidden("#panel-compare")
        finally:
            browser.close()
    assert errors == []
    assert shot.stat().st_size > 10_000
    artifacts = os.environ.get("MMLTR_ARTIFACTS")
    if artifacts:
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(artifacts) / "inspect.png")
