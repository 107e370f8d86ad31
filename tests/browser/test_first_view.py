"""The first view a student sees, measured from the renderer at 1280x800.

The page reports the label boxes it drew (window.cartgraph.labels()); each
check here re-derives what it can from the drawing itself: the node's position
on screen (vis-network's canvasToDOM), the text's width (measured again in
the page), and dark pixels inside every box (the text is really there).
"""

from __future__ import annotations

import pytest

from cartgraph import Store
from cartgraph.namespaces import RESOURCE
from cartgraph.viz import view

pytestmark = pytest.mark.browser

SCREEN = (1280, 800)
CASE = RESOURCE + "case-erlangen-sle-1"
#: The eight entities a student needs to read in the first view (issue 13).
STORY = {RESOURCE + n: n for n in ("case-erlangen-sle-1", "uker", "sle", "cd19",
                                   "car-t-cell-therapy", "nejm", "mougiakakos-2021", "dzi")}

MEASURE = """() => {
  const net = window.network, box = document.getElementById('network');
  const W = box.clientWidth, H = box.clientHeight;
  const canvas = box.querySelector('canvas');
  const ratio = canvas.width / W;
  const ctx = canvas.getContext('2d');
  const ruler = document.createElement('canvas').getContext('2d');
  const labels = window.cartgraph.labels().map(l => {
    const p = net.canvasToDOM(net.getPosition(l.id));
    ruler.font = l.font + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    const width = Math.max(...l.lines.map(t => ruler.measureText(t).width));
    const dx = Math.max(l.x - p.x, 0, p.x - (l.x + l.width));
    const dy = Math.max(l.y - p.y, 0, p.y - (l.y + l.height));
    const img = ctx.getImageData(Math.round(l.x * ratio), Math.round(l.y * ratio),
                                 Math.max(1, Math.round(l.width * ratio)),
                                 Math.max(1, Math.round(l.height * ratio))).data;
    let dark = 0;
    for (let i = 0; i < img.length; i += 4)
      if (img[i + 3] > 200 && img[i] + img[i + 1] + img[i + 2] < 240) dark++;
    const radius = net.body.nodes[l.id].options.size * net.getScale();
    return {...l, measured: width, distance: Math.hypot(dx, dy) - radius,
            ink: dark / (img.length / 4)};
  });
  const nodes = net.body.data.nodes.get().filter(n => !n.hidden)
    .map(n => net.canvasToDOM(net.getPosition(n.id)));
  return {W, H, labels, nodes};
}"""


def _overlaps(labels: list[dict]) -> list[tuple[str, str]]:
    found = []
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if (a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
                    and a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]):
                found.append((a["text"], b["text"]))
    return found


def _check_readable(m: dict) -> None:
    """No two labels overlap, none is cut off, each is legible, near its node and drawn."""
    labels = m["labels"]
    assert labels, "no label drawn"
    assert _overlaps(labels) == []
    for lab in labels:
        assert lab["font"] >= 12, lab
        assert lab["x"] >= 0 and lab["y"] >= 0, f"cut off: {lab['text']}"
        assert lab["x"] + lab["width"] <= m["W"] and lab["y"] + lab["height"] <= m["H"], \
            f"cut off: {lab['text']}"
        assert lab["width"] >= lab["measured"] - 1, f"the box is narrower than {lab['text']!r}"
        assert lab["distance"] <= 16, \
            f"{lab['text']!r} is {lab['distance']:.0f} px from the edge of its node"
        assert lab["ink"] > 0.03, f"no text drawn in the box of {lab['text']!r}"


@pytest.fixture(scope="module")
def bundled_html(bundled_store: Store) -> str:
    return view(bundled_store).html


@pytest.mark.parametrize("size", [SCREEN, (1366, 768), (1920, 1080)])
def test_the_first_view_reads_at_1280x800(open_page, bundled_html, size):
    opened = open_page(bundled_html, size=size)
    m = opened.js(MEASURE)
    _check_readable(m)
    drawn = {lab["id"] for lab in m["labels"]}
    assert not set(STORY) - drawn, f"story labels not drawn: {set(STORY) - drawn}"
    assert len(drawn) >= 0.9 * len(m["nodes"]), (len(drawn), len(m["nodes"]))
    # The drawing fills the canvas: nodes and labels span most of both directions.
    xs = [p["x"] for p in m["nodes"]] + [b["x"] for b in m["labels"]] + \
        [b["x"] + b["width"] for b in m["labels"]]
    ys = [p["y"] for p in m["nodes"]] + [b["y"] for b in m["labels"]] + \
        [b["y"] + b["height"] for b in m["labels"]]
    width, height = (max(xs) - min(xs)) / m["W"], (max(ys) - min(ys)) / m["H"]
    assert width > 0.8 and height > 0.8, (width, height)
    assert width * height > 0.7
    assert opened.errors == [] and opened.remote_requests() == []


def test_a_focused_view_reads_too(open_page, bundled_store):
    opened = open_page(view(bundled_store, focus="cgr:case-erlangen-sle-1", depth=1).html,
                       size=SCREEN)
    m = opened.js(MEASURE)
    _check_readable(m)
    drawn = {lab["id"] for lab in m["labels"]}
    assert len(drawn) == len(m["nodes"]), "every node of a small focused view has its label"


def test_zooming_in_shows_more_labels_and_edge_labels(open_page, bundled_html):
    opened = open_page(bundled_html, size=(900, 600))
    before = len(opened.js(MEASURE)["labels"])
    assert opened.js("() => window.network.body.data.edges.get().filter(e => e.label).length") == 0
    opened.js("(id) => window.network.moveTo({position: window.network.getPosition(id), "
              "scale: 2.2, animation: false})", CASE)
    opened.js("() => { window.network.emit('zoom', {}); }")
    opened.page.wait_for_timeout(300)
    m = opened.js(MEASURE)
    _check_readable(m)
    assert opened.js("() => window.network.body.data.edges.get().filter(e => e.label).length") > 0
    assert before > 0


def test_claims_and_sources_are_a_layer_off_at_first(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN)
    claim = RESOURCE + "claim-article-age-at-treatment"
    hidden = "(id) => window.network.body.data.nodes.get(id).hidden"
    assert opened.js(hidden, claim) is True
    assert opened.js(hidden, RESOURCE + "source-nejm-2021") is True
    opened.page.locator("#layer-toggle").check()
    assert opened.js(hidden, claim) is False
    opened.page.wait_for_timeout(300)
    assert "layer=1" in opened.page.url


def test_the_card_says_what_each_source_says_and_flags_disagreement(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN)
    opened.js("(id) => window.cartgraph.details(id)", CASE)
    card = opened.page.locator("#details")
    assert card.locator("h2").inner_text() == "Erlangen SLE case 1"
    assert "Patient case" in card.locator(".kind").inner_text()
    assert card.locator(".description").inner_text().startswith("A patient with refractory")
    disagree = card.locator(".disagree")
    assert disagree.count() == 1, "one disagreement: the age at treatment"
    text = disagree.inner_text()
    assert "age at treatment" in text and "16" in text and "20" in text
    assert card.locator(".badge.contradicted").count() >= 1
    assert card.locator(".badge.supported").count() >= 1
    facts = card.locator(".facts")
    assert "Mougiakakos et al. 2021 (N Engl J Med)" in facts.inner_text()
    assert facts.locator("a[href^='https://pubmed.ncbi.nlm.nih.gov/']").count() >= 1
    # Neighbours are buttons that move the card.
    card.locator(".neighbours button", has_text="University Hospital Erlangen").click()
    assert card.locator("h2").inner_text() == "University Hospital Erlangen"
    ids = card.locator(".identifiers a")
    assert ids.count() >= 1 and ids.first.get_attribute("target") == "_blank"
    assert opened.remote_requests() == [], "identifier links load nothing until clicked"
    opened.page.keyboard.press("Escape")
    assert card.is_hidden()


def test_the_story_steps_focus_the_drawing(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN)
    chapters = opened.page.locator("#story button.chapter")
    assert chapters.count() >= 2
    assert "Erlangen SLE case 1" in chapters.first.inner_text()
    assert "approval" in chapters.nth(1).inner_text()
    chapters.first.click()
    bar = opened.page.locator("#stepbar")
    assert bar.is_visible() and "1/" in bar.inner_text()
    opened.page.keyboard.press("ArrowRight")
    opened.page.keyboard.press("ArrowRight")
    step = opened.js("() => { const s = window.cartgraph.data.story[0].steps[2];"
                     " return s.nodes.map(i => window.cartgraph.data.nodes[i][0]); }")
    assert sorted(opened.js("() => window.network.getSelectedNodes()")) == sorted(step)
    m = opened.js(MEASURE)
    inside = [p for p in opened.js("(ids) => ids.map(id => window.network.canvasToDOM("
                                   "window.network.getPosition(id)))", step)]
    assert all(0 <= p["x"] <= m["W"] and 0 <= p["y"] <= m["H"] for p in inside)
    assert {lab["id"] for lab in m["labels"]} >= {step[0]}
    _check_readable(m)
    top = opened.js("() => document.getElementById('stepbar').getBoundingClientRect().top - "
                    "document.getElementById('network').getBoundingClientRect().top")
    assert all(lab["y"] + lab["height"] <= top for lab in m["labels"]), "a label under the bar"
    assert "story=0.2" in opened.page.url
    opened.page.keyboard.press("Escape")
    assert bar.is_hidden()


def test_the_url_hash_restores_the_view(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN, fragment="#node=cgr%3Auker&layer=1&hide=0")
    assert opened.js("() => window.network.getSelectedNodes()") == [RESOURCE + "uker"]
    assert opened.page.locator("#details h2").inner_text() == "University Hospital Erlangen"
    assert opened.page.locator("#layer-toggle").is_checked()
    assert not opened.page.locator('#legend input[data-class="0"]').is_checked()


def test_keyboard_reaches_search_and_the_card(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN)
    opened.page.locator("body").press("/")
    assert opened.js("() => document.activeElement.id") == "search"
    opened.page.keyboard.type("CD19")
    opened.page.keyboard.press("ArrowDown")
    assert opened.js("() => document.activeElement.closest('#results') !== null")
    opened.page.keyboard.press("Enter")
    assert opened.page.locator("#details h2").inner_text().startswith("CD19")
    opened.page.keyboard.press("Escape")
    assert opened.page.locator("#details").is_hidden()


def test_the_legend_has_families_shaped_swatches_and_unclipped_counts(open_page, bundled_html):
    opened = open_page(bundled_html, size=SCREEN)
    legend = opened.page.locator("#legend")
    families = legend.locator("li.family .name").all_inner_texts()
    assert families[:2] == ["People and cases", "Medicine"] and len(families) <= 8
    assert opened.js("() => { const l = document.getElementById('legend');"
                     " return l.scrollWidth <= l.clientWidth; }"), "the legend scrolls sideways"
    clipped = opened.js("""() => [...document.querySelectorAll('#legend .count')]
        .filter(c => c.scrollWidth > c.clientWidth + 1 ||
                     c.getBoundingClientRect().right > document.getElementById('legend')
                       .getBoundingClientRect().right).map(c => c.textContent)""")
    assert clipped == []
    counts = legend.locator("li.class .count").all_inner_texts()
    assert "0" not in [c for c, vis in zip(counts, legend.locator("li.class").evaluate_all(
        "els => els.map(e => getComputedStyle(e).display !== 'none')"), strict=True) if vis]
    shapes = opened.js("() => [...document.querySelectorAll('#legend li.class svg :first-child')]"
                       ".map(s => s.tagName)")
    assert {"polygon", "circle", "rect"} <= set(shapes)
    star = opened.js("() => { const li = [...document.querySelectorAll('#legend li.class')]"
                     ".find(l => l.textContent.includes('Patient case'));"
                     " return li.querySelector('polygon').getAttribute('points')"
                     ".split(' ').length; }")
    assert star == 10, "the patient case's swatch is a star, like its node"


def _found(line: str, text: str, ratio: float = 0.85) -> bool:
    """Whether ``line`` appears in OCR ``text``, allowing a few misread characters."""
    import difflib

    line, n = line.lower(), len(line)
    text = " ".join(text.lower().split())
    return any(difflib.SequenceMatcher(None, line, text[i:i + n]).ratio() >= ratio
               for i in range(max(1, len(text) - n + 1)))


@pytest.mark.needs("ocr")
def test_ocr_reads_the_story_labels_in_a_screenshot(open_page, bundled_html, tmp_path):
    """The judge's check: OCR of the drawing (Tesseract) reads the eight story labels."""
    import shutil
    import subprocess

    tesseract = shutil.which("tesseract")
    assert tesseract is not None  # the needs("ocr") mark says how to install it
    opened = open_page(bundled_html, size=SCREEN)
    box = opened.page.locator("#network").bounding_box()
    shot = tmp_path / "first-view.png"
    opened.page.screenshot(path=str(shot), clip=box)
    text = subprocess.run([tesseract, str(shot), "-", "--psm", "11"], capture_output=True,
                          text=True, timeout=120, check=True).stdout
    labels = {lab["id"]: lab["lines"] for lab in opened.js("() => window.cartgraph.labels()")}
    unread = [" / ".join(labels[iri]) for iri in STORY
              if not all(_found(line, text) for line in labels[iri])]
    assert unread == [], f"OCR did not read: {unread}\n{text}"
