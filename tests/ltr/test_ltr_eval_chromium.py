"""report.html renders in headless Chromium with no console error, and every figure loads (naturalWidth > 0).

Needs Chromium (Debian ``chromium``, installed by ``scripts/setup_env.sh`` with ``MMLTR_WITH_APT=1``) and Playwright
for Python (the dev extra); it drives the system Chromium, no browser download."""
from __future__ import annotations

import shutil

import pytest
from eval_data import evaluation, feature_table

from ltr.evaluation import verdict, write_outputs

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on PATH: apt-get install chromium "
                                                           "(scripts/setup_env.sh with MMLTR_WITH_APT=1)")]


def test_report_renders_in_headless_chromium(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    pytest.importorskip("ranx")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e .[dev])")
    ev = evaluation()
    paths = write_outputs(tmp_path, ev, verdict(ev), feature_gain={"cosine_title": 3.0, "bm25_title": 1.0},
                          features=feature_table())
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("requestfailed", lambda req: errors.append(f"failed: {req.url[:80]}"))
            page.goto(paths["report.html"].as_uri(), wait_until="load")
            widths = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            title = page.title()
        finally:
            browser.close()
    assert errors == []
    assert len(widths) == 4 and all(w > 0 for w in widths), widths
    assert title == "mmltr evaluation"
