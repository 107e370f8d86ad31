/* cartgraph explorer, part 4 of 4: where to start, state in the URL, keyboard.
 *
 * "Start here" lists the story's chapters (built by the page generator from
 * the graph: the centre's timeline, then timelines of dated entities). A step
 * selects the nodes it mentions, labels them first and fits the drawing to
 * them; the step bar under the drawing goes back and forth (also with the
 * arrow keys).
 *
 * The URL hash keeps the view: node=CURIE (the selected node), hide=class
 * indexes, layer=1, story=chapter.step, view=x,y,scale; a link or a reload
 * shows the same view. Keys: "/" searches, Escape closes, arrows step the story.
 */
(function () {
  "use strict";

  var CG = window.cartgraph._;
  var api = window.cartgraph;
  var NODES = CG.NODES, el = CG.el, network = CG.network;
  var STORY = CG.data.story || [];
  var bar = document.getElementById("stepbar");
  var at = null; // [chapter, step]

  // -- the story -------------------------------------------------------------------------

  (function buildStart() {
    var box = document.getElementById("story");
    if (!STORY.length) { box.hidden = true; return; }
    var ul = el("ul");
    STORY.forEach(function (chapter, c) {
      var li = el("li");
      var b = el("button", chapter.title, "chapter");
      b.type = "button";
      b.appendChild(el("span", " " + chapter.steps.length + " steps", "steps"));
      b.addEventListener("click", function () { go(c, 0); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  })();

  function go(c, s) {
    var chapter = STORY[c];
    if (!chapter) return;
    s = Math.max(0, Math.min(s, chapter.steps.length - 1));
    at = [c, s];
    var step = chapter.steps[s];
    var list = step.nodes.filter(function (i) { return i < NODES.length; });
    var hidden = list.filter(function (i) { return !CG.shown[i]; });
    if (hidden.length) CG.reveal(hidden, list[0]);
    CG.state.story = list;
    CG.state.selected = list[0];
    network.selectNodes(list.filter(function (i) { return !CG.isHidden(i); }).map(function (i) { return NODES[i][0]; }));
    CG.edgeLabels();
    CG.fitTo(list, 1.3, 90);
    bar.replaceChildren();
    var prev = el("button", "\u2039 Back", "prev");
    prev.type = "button";
    prev.disabled = s === 0;
    prev.addEventListener("click", function () { go(c, s - 1); });
    var next = el("button", s === chapter.steps.length - 1 ? "Done" : "Next \u203a", "next");
    next.type = "button";
    next.addEventListener("click", function () { if (s === chapter.steps.length - 1) stop(); else go(c, s + 1); });
    var text = el("div", null, "text");
    text.appendChild(el("span", chapter.title + " \u00b7 " + (s + 1) + "/" + chapter.steps.length, "where"));
    var line = el("div");
    if (step.date) line.appendChild(el("strong", step.date + " \u00b7 "));
    line.appendChild(el("strong", step.title));
    text.appendChild(line);
    text.appendChild(el("div", step.text, "what"));
    var close = el("button", "\u00d7", "close");
    close.type = "button";
    close.title = "Leave the story (Esc)";
    close.setAttribute("aria-label", "Leave the story");
    close.addEventListener("click", stop);
    bar.append(prev, text, next, close);
    bar.hidden = false;
    document.body.classList.add("story-on");
    network.redraw();
    save();
  }
  function stop() {
    at = null;
    CG.state.story = [];
    CG.state.selected = null;
    bar.hidden = true;
    document.body.classList.remove("story-on");
    network.unselectAll();
    CG.edgeLabels();
    network.redraw();
    save();
  }
  api.story = function (c, s) { go(c || 0, s || 0); };
  api.stopStory = stop;

  // -- state in the URL hash ---------------------------------------------------------------

  var restoring = false;
  function save() {
    if (restoring || !api.ready) return;
    var parts = [];
    if (CG.state.selected !== null && !at) parts.push("node=" + encodeURIComponent(CG.curie(NODES[CG.state.selected][0])));
    if (CG.hiddenClasses.size) parts.push("hide=" + Array.from(CG.hiddenClasses).sort(function (a, b) { return a - b; }).join(","));
    if (CG.state.layer) parts.push("layer=1");
    if (at) parts.push("story=" + at[0] + "." + at[1]);
    var p = network.getViewPosition();
    parts.push("view=" + Math.round(p.x) + "," + Math.round(p.y) + "," + network.getScale().toFixed(3));
    var hash = "#" + parts.join("&");
    if (location.hash === hash) return;
    try { history.replaceState(null, "", hash); } catch (e) { /* a sandboxed frame: no URL to keep */ }
  }
  var saveTimer = null;
  CG.hooks.changed.push(function () { clearTimeout(saveTimer); saveTimer = setTimeout(save, 150); });

  function restore() {
    var args = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var k = kv.indexOf("=");
      if (k > 0) args[kv.slice(0, k)] = decodeURIComponent(kv.slice(k + 1));
    });
    if (!Object.keys(args).length) return;
    restoring = true;
    try {
      if (args.layer === "1") CG.setLayer(true);
      if (args.hide) args.hide.split(",").forEach(function (c) {
        var k = parseInt(c, 10);
        if (CG.CLASSES[k]) CG.setClassVisible(k, false);
      });
      if (args.node) {
        var hit = NODES.findIndex(function (n) { return CG.curie(n[0]) === args.node || n[0] === args.node; });
        if (hit >= 0) CG.focus(hit);
      }
      if (args.story) {
        var cs = args.story.split(".").map(function (x) { return parseInt(x, 10); });
        go(cs[0], cs[1]);
      }
      if (args.view) {
        var v = args.view.split(",").map(Number);
        if (v.length === 3 && v.every(isFinite) && v[2] > 0) network.moveTo({ position: { x: v[0], y: v[1] }, scale: v[2], animation: false });
      }
    } finally {
      restoring = false;
    }
  }
  function start() {
    restore();
    window.addEventListener("hashchange", restore);
  }
  if (api.ready) start(); else window.addEventListener("cartgraph:drawn", start, { once: true });

  // -- keyboard --------------------------------------------------------------------------------

  document.addEventListener("keydown", function (ev) {
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
    if (ev.key === "/" && !typing) { document.getElementById("search").focus(); ev.preventDefault(); return; }
    if (typing) return;
    if (ev.key === "Escape") {
      if (!document.getElementById("details").hidden) CG.closeCard();
      else if (at) stop();
    } else if (at && ev.key === "ArrowRight") { go(at[0], at[1] + 1); ev.preventDefault(); }
    else if (at && ev.key === "ArrowLeft") { go(at[0], at[1] - 1); ev.preventDefault(); }
  });
})();
