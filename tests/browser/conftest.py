"""Headless Chromium for the explorer tests (Debian's chromium driven by Playwright).

A missing /usr/bin/chromium or playwright package fails these tests, unless
CARTGRAPH_SKIP=browser says to skip them (tests/conftest.py; CI installs both).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LOCAL_SCHEMES = ("file:", "data:", "blob:")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@dataclass
class Opened:
    """A page opened from a file, with every request and console error it made."""

    page: Any
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES)]


@pytest.fixture
def open_page(browser: Any, tmp_path: Path) -> Iterator[Callable[..., Opened]]:
    """Write ``html`` to a file, open it via file:// and wait for the first drawn frame."""
    contexts = []

    def opener(html: str, name: str = "view.html", *, size: tuple[int, int] = (1400, 900),
               fragment: str = "") -> Opened:
        target = tmp_path / name
        target.write_text(html, encoding="utf-8")
        context = browser.new_context(viewport={"width": size[0], "height": size[1]},
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        opened = Opened(page)
        page.on("request", lambda r: opened.requests.append(r.url))
        page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.goto(target.as_uri() + fragment)
        # A selector, not wait_for_function: the page's CSP forbids eval, which
        # Playwright's polling predicates need.
        page.wait_for_selector("html[data-drawn=true]", state="attached", timeout=30_000)
        return opened

    yield opener
    for context in contexts:
        context.close()
