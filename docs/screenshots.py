"""Take the README's screenshots of the explorer at 1280x800 (headless Debian Chromium).

Run: ``python docs/screenshots.py`` (writes docs/view-*.png from the bundled graph
in a temporary store). Needs /usr/bin/chromium and the playwright package.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from cartgraph import Store
from cartgraph.namespaces import RESOURCE
from cartgraph.viz import view

HERE = Path(__file__).resolve().parent
CASE = RESOURCE + "case-erlangen-sle-1"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "view.html"
        view(Store.memory(seed=True)).save(page_file)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(page_file.as_uri())
            page.wait_for_selector("html[data-drawn=true]", state="attached")
            page.screenshot(path=HERE / "view-first.png")
            x, y = page.evaluate("""(id) => {
                const p = window.network.canvasToDOM(window.network.getPosition(id));
                const r = document.getElementById('network').getBoundingClientRect();
                return [r.left + p.x, r.top + p.y]; }""", CASE)
            page.mouse.click(x, y)
            page.wait_for_timeout(300)
            page.screenshot(path=HERE / "view-card.png")
            page.keyboard.press("Escape")
            page.locator("#story button.chapter").first.click()
            for _ in range(4):
                page.keyboard.press("ArrowRight")
            page.wait_for_timeout(300)
            page.screenshot(path=HERE / "view-story.png")
            browser.close()


if __name__ == "__main__":
    main()
