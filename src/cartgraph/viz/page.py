"""The HTML page: one self-contained file, data as JSON, scripts hashed in a CSP.

Safety, in layers:

- every label, IRI and value reaches the page as JSON inside
  ``<script type="application/json">``, with ``<``, ``>``, ``&``, U+2028 and
  U+2029 escaped (``\\u003c`` ...), so ``</script>`` in data cannot end the
  block; explorer.js reads it with ``JSON.parse`` and sets text with
  ``textContent`` only;
- the template is rendered by jinja2 with autoescape on;
- a Content Security Policy meta tag allows nothing remote: scripts only by the
  sha256 of each inline script, styles inline (vis-network injects CSS),
  images from ``data:`` and ``blob:`` (the PNG export).
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["csp", "escape_json", "policy_of", "render"]

_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}
_SOURCE_MAP = "\n//# sourceMappingURL="


def _asset(name: str) -> str:
    # Read as UTF-8 text in one piece: vis-network builds may hold U+0085, which
    # str.splitlines() would treat as a line break.
    return (resources.files("cartgraph.viz") / name).read_text(encoding="utf-8")


def _inline_script(text: str) -> str:
    head, sep, tail = text.rpartition(_SOURCE_MAP)
    if sep and "\n" not in tail.strip():
        text = head + "\n"
    lowered = text.lower()
    if "</script" in lowered or "<!--" in lowered:
        raise ValueError("an inline script must not contain '</script' or '<!--'")
    return text


@cache
def _static() -> dict[str, str]:
    return {"template": _asset("template.html"), "css": _asset("explorer.css"),
            "vis": _inline_script(_asset("assets/vis-network.min.js")),
            "explorer": _inline_script(_asset("explorer.js")),
            "controls": _inline_script(_asset("controls.js")),
            "panel": _inline_script(_asset("panel.js")),
            "story": _inline_script(_asset("story.js"))}


def escape_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (and still the same JSON)."""
    # check_circular off: the page's data is lists, dicts and scalars built here.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      check_circular=False)
    for ch, escaped in _JSON_ESCAPES.items():
        if ch in text:
            text = text.replace(ch, escaped)
    return text


def _hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def policy_of(page: str | bytes) -> str | None:
    """The Content Security Policy of a generated page (its meta tag, unescaped).

    A server that sends the page can send this as its ``Content-Security-Policy``
    header: the same policy, so the page's hashed inline scripts run.
    """
    import html
    import re

    text = page.decode("utf-8", errors="replace") if isinstance(page, bytes) else page
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', text)
    return html.unescape(found[1]) if found else None


def csp(scripts: list[str]) -> str:
    return ("default-src 'none'; script-src " + " ".join(_hash(s) for s in scripts) +
            "; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; "
            "form-action 'none'")


def render(data: dict[str, Any], *, title: str, status: str) -> str:
    """The page for ``data`` (see :func:`cartgraph.viz.data.payload`)."""
    import jinja2
    from markupsafe import Markup

    static = _static()
    scripts = [static["vis"], static["explorer"], static["controls"], static["panel"],
               static["story"]]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string(static["template"])
    return template.render(
        title=title, status=status, csp=csp(scripts), css=Markup(static["css"]),
        data=Markup(escape_json(data)), vis=Markup(static["vis"]),
        explorer=Markup(static["explorer"]), controls=Markup(static["controls"]),
        panel=Markup(static["panel"]),
        story=Markup(static["story"]))
