/* cartgraph explorer, part 2 of 4: the first layout of small graphs and the fit, the
 * legend, the status line, search and PNG.
 * See explorer.js for the drawing; everything here talks to it through
 * window.cartgraph._ and sets text with textContent only.
 */
(function () {
  "use strict";

  var CG = window.cartgraph._;
  var api = window.cartgraph;
  var NODES = CG.NODES, CLASSES = CG.CLASSES, FAMILIES = CG.FAMILIES, SIZE = NODES.length;
  var el = CG.el, curie = CG.curie, darker = CG.darker, isHidden = CG.isHidden, state = CG.state;
  var setClassVisible = CG.setClassVisible, setLayer = CG.setLayer, focus = CG.focus;
  var container = document.getElementById("network");
  var network = CG.network, nodes = CG.nodes, lines = CG.lines, nodeSize = CG.nodeSize;
  var fontPx = CG.fontPx, MODE = CG.data.mode, LOD = MODE === "lod", changed = CG.changed;

  // -- fitting: the visible nodes fill the canvas, with room for their labels --------------

  function fitTo(list, maxScale, bottom) {
    var pts = list.filter(function (i) { return !isHidden(i); }).map(function (i) {
      return network.getPosition(NODES[i][0]);
    });
    if (!pts.length) return;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    pts.forEach(function (p) { x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y); x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y); });
    var W = container.clientWidth, H = container.clientHeight, mx = 95, my = 45, b = bottom || 0;
    var scale = Math.max(0.02, Math.min((W - 2 * mx) / Math.max(x1 - x0, 1),
                                        (H - 2 * my - b) / Math.max(y1 - y0, 1), maxScale || 1.5));
    network.moveTo({ position: { x: (x0 + x1) / 2, y: (y0 + y1) / 2 + b / 2 / scale }, scale: scale,
                     animation: false });
  }
  function visibleList() {
    var out = [];
    for (var k = 0; k < SIZE; k++) if (!isHidden(k)) out.push(k);
    return out;
  }
  function fit() { fitTo(visibleList()); changed(); }
  CG.fitTo = fitTo;
  CG.fit = fit;
  /** Small graphs: spread the layout so that it fills the canvas at scale 1 (nodes and
   * labels at their own size), then fit. */
  function spread() {
    if (LOD) return;
    var list = visibleList();
    if (list.length < 2) return;
    var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    list.forEach(function (i) { var n = NODES[i]; x0 = Math.min(x0, n[3]); y0 = Math.min(y0, n[4]); x1 = Math.max(x1, n[3]); y1 = Math.max(y1, n[4]); });
    var W = container.clientWidth || 800, H = container.clientHeight || 600;
    // At most scale 1: a handful of nodes is not blown up to the canvas' size.
    var f = Math.min((W - 190) / Math.max(x1 - x0, 1), (H - 90) / Math.max(y1 - y0, 1), 1);
    var moves = [];
    for (var k = 0; k < SIZE; k++) {
      if (NODES[k][3] === null) continue;
      NODES[k][3] *= f;
      NODES[k][4] *= f;
      moves.push({ id: NODES[k][0], x: NODES[k][3], y: NODES[k][4] });
    }
    nodes.update(moves);
  }
  /** Small graphs: push apart the nodes whose label boxes (drawn below the node)
   * overlap, within the canvas, so that the first view has room for every label. */
  function declutter() {
    if (MODE !== "small") return;
    var list = visibleList(), n = list.length;
    var W = container.clientWidth || 800, H = container.clientHeight || 600;
    var view = network.getViewPosition();
    // A small canvas: lay out for a usual one and let the fit scale it down (minor labels
    // then wait for a zoom) rather than squash the story together.
    var hw = (Math.max(W, 1040) - 20) / 2, hh = (Math.max(H, 740) - 20) / 2;
    var R = [], X = [], Y = [];
    list.forEach(function (i, k) {
      var L = lines(i), r = nodeSize(i);
      R.push([Math.max(L.width, 2 * r) / 2 + 4, r + 2, r + 6 + L.text.length * (fontPx(i) + 2)]);
      X.push(NODES[i][3]);
      Y.push(NODES[i][4]);
    });
    for (var round = 0; round < 300; round++) {
      var moved = 0;
      for (var a = 0; a < n; a++) {
        for (var b = a + 1; b < n; b++) {
          var dx = Math.min(X[a] + R[a][0], X[b] + R[b][0]) - Math.max(X[a] - R[a][0], X[b] - R[b][0]);
          if (dx <= 0) continue;
          var dy = Math.min(Y[a] + R[a][2], Y[b] + R[b][2]) - Math.max(Y[a] - R[a][1], Y[b] - R[b][1]);
          if (dy <= 0) continue;
          moved++;
          if (dx < dy) {
            var sx = (X[a] < X[b] || (X[a] === X[b] && a < b) ? -1 : 1) * (dx / 2 + 0.5);
            X[a] += sx; X[b] -= sx;
          } else {
            var sy = (Y[a] < Y[b] || (Y[a] === Y[b] && a < b) ? -1 : 1) * (dy / 2 + 0.5);
            Y[a] += sy; Y[b] -= sy;
          }
        }
      }
      for (var k = 0; k < n; k++) {
        X[k] = Math.max(view.x - hw + R[k][0], Math.min(view.x + hw - R[k][0], X[k]));
        Y[k] = Math.max(view.y - hh + R[k][1], Math.min(view.y + hh - R[k][2], Y[k]));
      }
      if (!moved) break;
    }
    nodes.update(list.map(function (i, k) {
      NODES[i][3] = X[k];
      NODES[i][4] = Y[k];
      return { id: NODES[i][0], x: X[k], y: Y[k] };
    }));
  }
  spread();
  fitTo(visibleList(), 1);
  declutter();
  fitTo(visibleList());
  document.getElementById("fit").addEventListener("click", fit);


  // -- legend: families, a shade per class, swatches in the node's shape -------------------

  var SVG = "http://www.w3.org/2000/svg";
  function swatch(shape, color) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "-10 -10 20 20");
    svg.setAttribute("class", "swatch");
    svg.setAttribute("aria-hidden", "true");
    var s, pts = null;
    if (shape === "square") { s = document.createElementNS(SVG, "rect"); s.setAttribute("x", "-7"); s.setAttribute("y", "-7"); s.setAttribute("width", "14"); s.setAttribute("height", "14"); }
    else if (shape === "diamond") pts = "0,-9 9,0 0,9 -9,0";
    else if (shape === "triangle") pts = "0,-9 9,7 -9,7";
    else if (shape === "triangleDown") pts = "0,9 9,-7 -9,-7";
    else if (shape === "hexagon") pts = "8,0 4,7 -4,7 -8,0 -4,-7 4,-7";
    else if (shape === "star") pts = "0,-9 2.6,-3.2 8.6,-2.8 4,1.2 5.3,7.3 0,4 -5.3,7.3 -4,1.2 -8.6,-2.8 -2.6,-3.2";
    else { s = document.createElementNS(SVG, "circle"); s.setAttribute("r", "7.5"); }
    if (pts) { s = document.createElementNS(SVG, "polygon"); s.setAttribute("points", pts); }
    s.setAttribute("fill", color);
    s.setAttribute("stroke", darker(color));
    s.setAttribute("stroke-width", "1.5");
    svg.appendChild(s);
    return svg;
  }
  CG.swatch = swatch;
  var countCells = [], familyCells = [];
  var rows = [], familyRows = [];
  /** Counts of the nodes drawn (whether or not their class or layer is ticked); a class,
   * or a family, with none is not listed. */
  function updateCounts() {
    var counts = CLASSES.map(function () { return 0; });
    for (var k = 0; k < SIZE; k++) if (CG.shown[k]) counts[NODES[k][2]]++;
    countCells.forEach(function (cell, c) {
      if (!cell) return;
      cell.textContent = String(counts[c]);
      rows[c].hidden = counts[c] === 0;
    });
    familyCells.forEach(function (cell, f) {
      if (!cell) return;
      var total = 0;
      CLASSES.forEach(function (c, k) { if (c.family === f) total += counts[k]; });
      cell.textContent = String(total);
      familyRows[f].hidden = total === 0;
    });
  }
  (function buildLegend() {
    var list = document.getElementById("legend-items");
    var totals = CLASSES.map(function () { return 0; });
    NODES.forEach(function (n) { totals[n[2]]++; });
    FAMILIES.forEach(function (f, fi) {
      var members = CLASSES.map(function (c, k) { return k; }).filter(function (k) {
        return CLASSES[k].family === fi && totals[k] > 0;
      });
      if (!members.length) return;
      members.sort(function (a, b) { return totals[b] - totals[a] || CLASSES[a].label.localeCompare(CLASSES[b].label); });
      var head = el("li", null, "family" + (f.layer ? " layer" : ""));
      var hl = el("label");
      var name = el("span", f.name, "name");
      familyCells[fi] = el("span", "0", "count");
      if (f.layer) {
        var toggleBox = el("input");
        toggleBox.type = "checkbox";
        toggleBox.id = "layer-toggle";
        toggleBox.checked = state.layer;
        toggleBox.addEventListener("change", function () { setLayer(toggleBox.checked); });
        hl.append(toggleBox, el("span", null, "bar"), name, familyCells[fi]);
        hl.title = "Claims (who said what), sources and import records: a layer, off at first";
      } else {
        var bar = el("span", null, "bar");
        bar.style.backgroundColor = f.color;
        hl.append(bar, name, familyCells[fi]);
      }
      head.appendChild(hl);
      list.appendChild(head);
      familyRows[fi] = head;
      members.forEach(function (c) {
        var item = el("li", null, "class" + (f.layer ? " in-layer" : ""));
        var label = el("label");
        var box = el("input");
        box.type = "checkbox";
        box.checked = true;
        box.setAttribute("data-class", String(c));
        box.addEventListener("change", function () { setClassVisible(c, box.checked); });
        var cname = el("span", CLASSES[c].label, "name");
        if (CLASSES[c].iri) cname.title = curie(CLASSES[c].iri);
        countCells[c] = el("span", "0", "count");
        label.append(box, swatch(CLASSES[c].shape, CLASSES[c].color), cname, countCells[c]);
        item.appendChild(label);
        list.appendChild(item);
        rows[c] = item;
      });
    });
    updateCounts();
  })();

  // -- status --------------------------------------------------------------------------------

  var statusLine = document.getElementById("status");
  var baseStatus = statusLine.textContent;
  function status(text) { statusLine.textContent = text ? baseStatus + " · " + text : baseStatus; }
  CG.status = status;

  // -- search ----------------------------------------------------------------------------------

  var searchBox = document.getElementById("search");
  var results = document.getElementById("results");
  var haystack = NODES.map(function (n) { return [String(n[1]).toLowerCase(), curie(n[0]).toLowerCase(), n[0].toLowerCase()]; });
  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) return [];
    var found = [];
    for (var k = 0; k < SIZE; k++) {
      var h = haystack[k], score;
      if (h[0] === q || h[1] === q || h[2] === q) score = 0;
      else if (h[0].indexOf(q) === 0 || h[1].indexOf(q) === 0) score = 1;
      else if (h[0].indexOf(q) >= 0 || h[1].indexOf(q) >= 0) score = 2;
      else continue;
      found.push([score, isHidden(k) ? 1 : 0, NODES[k][1], k]);
    }
    found.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0); });
    return found.slice(0, 30).map(function (f) { return f[3]; });
  }
  /** Keyboard users land on the card of what they chose (Tab walks through it). */
  function toCard() {
    var heading = document.querySelector("#details h2");
    if (heading) heading.focus();
  }
  function showResults() {
    var hits = find(searchBox.value);
    results.replaceChildren();
    hits.forEach(function (k) {
      var li = el("li");
      li.setAttribute("role", "option");
      var b = el("button");
      b.type = "button";
      b.appendChild(el("span", NODES[k][1]));
      b.appendChild(el("span", curie(NODES[k][0]), "curie"));
      b.addEventListener("click", function () { results.hidden = true; focus(k); toCard(); });
      li.appendChild(b);
      results.appendChild(li);
    });
    results.hidden = hits.length === 0;
    if (searchBox.value.trim()) status(hits.length ? hits.length + (hits.length === 30 ? "+" : "") + " matches" : "no match");
    else status("");
    return hits;
  }
  searchBox.addEventListener("input", showResults);
  searchBox.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var hits = find(searchBox.value);
      if (hits.length) { results.hidden = true; focus(hits[0]); toCard(); }
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      results.hidden = true;
    } else if (ev.key === "ArrowDown" && !results.hidden) {
      var first = results.querySelector("button");
      if (first) first.focus();
      ev.preventDefault();
    }
  });
  results.addEventListener("keydown", function (ev) {
    var items = Array.from(results.querySelectorAll("button"));
    var at = items.indexOf(document.activeElement);
    if (ev.key === "ArrowDown" && at < items.length - 1) { items[at + 1].focus(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { (at > 0 ? items[at - 1] : searchBox).focus(); ev.preventDefault(); }
    else if (ev.key === "Escape") { results.hidden = true; searchBox.focus(); }
  });
  document.addEventListener("click", function (ev) {
    if (!document.getElementById("find").contains(ev.target)) results.hidden = true;
  });

  // -- PNG -------------------------------------------------------------------------------------

  /** The current view as a PNG data: URL (white background); also offered as a download. */
  function png(download) {
    var src = container.querySelector("canvas");
    var out = document.createElement("canvas");
    out.width = src.width;
    out.height = src.height;
    var ctx = out.getContext("2d");
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(src, 0, 0);
    var url = out.toDataURL("image/png");
    if (download !== false) {
      var a = document.createElement("a");
      a.href = url;
      a.download = "cartgraph.png";
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
    return url;
  }
  document.getElementById("png").addEventListener("click", function () { png(true); });

  CG.hooks.counts.push(updateCounts);
  CG.find = find;
  api.png = function () { return png(false); };
})();
