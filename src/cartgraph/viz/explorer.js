/* cartgraph explorer, part 1 of 3: the drawing (vis-network), labels, legend, search.
 * panel.js draws the details card, story.js the guided story, the URL hash and keys.
 *
 * Safety: data comes from JSON.parse and reaches the DOM through textContent and
 * element properties only (never innerHTML); links are made for http(s) IRIs only.
 *
 * Modes (chosen by the page generator): "small" and "full" draw precomputed
 * positions with physics off; "lod" (big graphs) also draws edges as one canvas
 * layer (vis-network edges, with labels and arrows, only for the selected node).
 *
 * Labels are drawn by this page, not by vis-network, at a fixed size on screen
 * (13 px; the centre 14 px): most important first (the selection, the story's
 * step, then by distance from the centre of the story, then by degree), each
 * one only where it overlaps no label already drawn and no other node and stays
 * inside the canvas. So labels never collide; zooming in makes room and more
 * appear. window.cartgraph.labels() returns the boxes drawn, in CSS pixels.
 *
 * Claims, sources and other bookkeeping (the families marked "layer") are a
 * layer, off at first: the legend's "Claims and sources" box switches it on.
 *
 * For scripts and tests: window.network is the vis-network instance, and
 * window.cartgraph offers {data, ready, find(text), focus(id), details(id),
 * expand(id), setClassVisible(classIri, visible), setLayer(on), labels(),
 * fitTo(ids), png()}. When the first frame is drawn, window.cartgraph.ready is
 * true, <html data-drawn="true"> is set and "cartgraph:drawn" is dispatched.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("cartgraph-data").textContent);
  var MODE = data.mode;
  var LOD = MODE === "lod";
  var NODES = data.nodes; // [id, label, class, x, y, reserve, rank]
  var EDGES = data.edges; // [from, to, predicate, graph]
  var CLASSES = data.classes;
  var FAMILIES = data.families || [];
  var PREDS = data.predicates;
  var SIZE = NODES.length;
  var CENTRE = data.centre;

  var index = new Map();
  var shown = new Uint8Array(SIZE);
  var adjacency = [];
  var incoming = [];
  var outgoingEdges = [];
  var hiddenClasses = new Set();
  var state = { layer: false, selected: null, hovered: null, story: [] };
  for (var i = 0; i < SIZE; i++) {
    index.set(NODES[i][0], i);
    shown[i] = NODES[i][5] ? 0 : 1;
    adjacency.push([]);
    incoming.push([]);
    outgoingEdges.push([]);
  }
  EDGES.forEach(function (e, k) {
    if (e[0] !== e[1]) {
      adjacency[e[0]].push(e[1]);
      adjacency[e[1]].push(e[0]);
    }
    outgoingEdges[e[0]].push(k);
    incoming[e[1]].push(k);
  });

  // -- names and small helpers ---------------------------------------------------------

  var prefixes = Object.keys(data.prefixes).map(function (p) { return [p, data.prefixes[p]]; });
  function curie(iri) {
    if (iri.indexOf("_:") === 0) return iri;
    var best = null;
    for (var k = 0; k < prefixes.length; k++) {
      var ns = prefixes[k][1];
      if (iri.indexOf(ns) === 0 && (!best || ns.length > best[1].length)) {
        var local = iri.slice(ns.length);
        if (local && local.indexOf("/") < 0 && local.indexOf("#") < 0) best = prefixes[k];
      }
    }
    return best ? best[0] + ":" + iri.slice(best[1].length) : iri;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function classOf(i) { return CLASSES[NODES[i][2]] || { iri: "", label: "", color: "#bbb", shape: "dot", family: -1 }; }
  function familyOf(c) { return FAMILIES[CLASSES[c] ? CLASSES[c].family : -1] || { name: "", layer: false }; }
  function inLayer(i) { return familyOf(NODES[i][2]).layer; }
  function darker(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
    if (!m) return "#555";
    return "#" + [1, 2, 3].map(function (k) {
      return ("0" + Math.round(parseInt(m[k], 16) * 0.6).toString(16)).slice(-2);
    }).join("");
  }
  function unique(list) { return Array.from(new Set(list)); }

  // -- the network -------------------------------------------------------------------------

  function isHidden(i) {
    return !shown[i] || hiddenClasses.has(NODES[i][2]) || (!state.layer && inLayer(i));
  }
  function nodeSize(i) {
    if (LOD) return 7;
    var r = NODES[i][6];
    return r === 0 ? 17 : r === 1 ? 12 : inLayer(i) ? 7 : r === 2 ? 10 : 8;
  }
  function visNode(i) {
    var n = NODES[i], c = classOf(i);
    var item = { id: n[0], hidden: isHidden(i), shape: c.shape, size: nodeSize(i),
                 color: { background: c.color, border: darker(c.color),
                          highlight: { background: c.color, border: "#000" },
                          hover: { background: c.color, border: "#000" } } };
    if (n[3] !== null) { item.x = n[3]; item.y = n[4]; }
    return item;
  }
  function edgeHidden(k) { return !state.layer && PREDS[EDGES[k][2]].layer; }
  function visEdge(k) {
    var e = EDGES[k];
    return { id: k, from: NODES[e[0]][0], to: NODES[e[1]][0], label: "", hidden: edgeHidden(k) };
  }

  var nodes = new vis.DataSet(NODES.map(function (n, k) { return visNode(k); }));
  var edges = new vis.DataSet(LOD ? [] : EDGES.map(function (e, k) { return visEdge(k); }));
  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 1 },
    nodes: { borderWidth: LOD ? 0 : 1.5, font: { size: 0 }, shadow: false },
    edges: {
      smooth: false, shadow: false, width: 1.2, arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#a0a0a0", highlight: "#222", hover: "#444", opacity: 0.9 },
      font: { size: 12, color: "#333", strokeWidth: 4, strokeColor: "#fff", align: "middle" },
      selectionWidth: 1.5, hoverWidth: 1
    },
    interaction: { hover: !LOD, hideEdgesOnDrag: LOD, hideEdgesOnZoom: LOD,
                   multiselect: true, navigationButtons: false, keyboard: false,
                   tooltipDelay: 300 },
    physics: { enabled: false }
  };
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.network = network;
  var body = network.body;

  var api = { data: data, ready: false };
  var CG = api._ = { data: data, NODES: NODES, EDGES: EDGES, CLASSES: CLASSES, FAMILIES: FAMILIES,
    PREDS: PREDS, index: index, shown: shown, adjacency: adjacency, incoming: incoming,
    outgoingEdges: outgoingEdges, hiddenClasses: hiddenClasses, state: state, curie: curie,
    el: el, classOf: classOf, familyOf: familyOf, inLayer: inLayer, isHidden: isHidden,
    unique: unique, network: network, hooks: { changed: [] } };
  window.cartgraph = api;
  function changed() { CG.hooks.changed.forEach(function (f) { f(); }); }
  CG.changed = changed;

  // -- labels: placed in screen space, most important first, never overlapping ----------

  var wrapped = new Array(SIZE);
  var measure = document.createElement("canvas").getContext("2d");
  var FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  function fontPx(i) { return i === CENTRE ? 14 : NODES[i][6] >= 0 && NODES[i][6] <= 1 ? 13 : 12; }
  function fontOf(i) { return (i === CENTRE ? "600 " : "") + fontPx(i) + "px " + FONT; }
  function lines(i) {
    if (wrapped[i]) return wrapped[i];
    var words = String(NODES[i][1]).split(/\s+/), out = [], line = "";
    words.forEach(function (w) {
      if (line && (line + " " + w).length > 24) { out.push(line); line = w; }
      else line = line ? line + " " + w : w;
    });
    if (line) out.push(line);
    if (out.length > 3) out = out.slice(0, 2).concat([out.slice(2).join(" ")]);
    measure.font = fontOf(i);
    var width = 0;
    out.forEach(function (t) { width = Math.max(width, measure.measureText(t).width); });
    wrapped[i] = { text: out, width: Math.ceil(width) };
    return wrapped[i];
  }
  function priority(i) {
    if (i === state.selected || i === state.hovered) return -3;
    if (state.story.indexOf(i) >= 0) return -2;
    var r = NODES[i][6];
    return r < 0 ? 40 : r;
  }
  var placedLabels = [];
  function overlaps(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }

  function drawLabels(ctx) {
    placedLabels = [];
    var scale = network.getScale();
    if (LOD && scale < 0.45) return;
    var t = body.view.translation, W = container.clientWidth, H = container.clientHeight;
    // Overlays (the story's step bar, the details card) take their part of the canvas.
    var bar = document.getElementById("stepbar"), card = document.getElementById("details");
    var bottom = bar && !bar.hidden ? H - bar.offsetTop : 0;
    var right = card && !card.hidden ? W - card.offsetLeft : 0;
    var candidates = [], discs = [];
    for (var k = 0; k < SIZE; k++) {
      var node = body.nodes[NODES[k][0]];
      if (!node || node.options.hidden) continue;
      var sx = node.x * scale + t.x, sy = node.y * scale + t.y;
      if (sx < -50 || sy < -50 || sx > W + 50 || sy > H + 50) continue;
      var r = Math.max(3, (node.options.size || 10) * scale);
      discs.push([sx - r, sy - r, sx + r, sy + r, k]);
      candidates.push([priority(k), -adjacency[k].length, k, sx, sy, r]);
      if (LOD && candidates.length > 3000) break;
    }
    candidates.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]; });
    // A grid of 64 px cells holding node discs and drawn labels: each test is local.
    var grid = new Map();
    function cells(b, each) {
      for (var gx = Math.floor(b[0] / 64); gx <= Math.floor(b[2] / 64); gx++)
        for (var gy = Math.floor(b[1] / 64); gy <= Math.floor(b[3] / 64); gy++) each(gx * 4096 + gy);
    }
    function put(b) { cells(b, function (key) { var c = grid.get(key); if (c) c.push(b); else grid.set(key, [b]); }); }
    /** Whether box b overlaps another node's disc, or (with a margin) a drawn label. */
    function hits(b, self) {
      var found = false, padded = [b[0] - 3, b[1] - 1, b[2] + 3, b[3] + 1];
      cells(padded, function (key) {
        var c = grid.get(key);
        if (!c || found) return;
        for (var q = 0; q < c.length && !found; q++) {
          var o = c[q];
          found = o[4] === -1 ? overlaps(padded, o) : o[4] !== self && overlaps(b, o);
        }
      });
      return found;
    }
    discs.forEach(put);
    var limit = LOD ? 400 : SIZE;
    var pr = network.canvas.pixelRatio || window.devicePixelRatio || 1;
    ctx.save();
    ctx.setTransform(pr, 0, 0, pr, 0, 0);
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    ctx.lineJoin = "round";
    for (var c = 0; c < candidates.length && placedLabels.length < limit; c++) {
      var it = candidates[c], n = it[2], x = it[3], y = it[4], rad = it[5];
      var L = lines(n), px = fontPx(n), h = L.text.length * (px + 2), w = L.width;
      var g = rad * 0.7 + 2;
      var spots = [[x - w / 2, y + rad + 2], [x - w / 2, y - rad - 2 - h],
                   [x + rad + 4, y - h / 2], [x - rad - 4 - w, y - h / 2],
                   [x + g, y + g], [x - g - w, y + g], [x + g, y - g - h], [x - g - w, y - g - h]];
      for (var s = 0; s < spots.length; s++) {
        var box = [spots[s][0], spots[s][1], spots[s][0] + w, spots[s][1] + h];
        if (box[0] < 2 || box[1] < 2 || box[2] > W - 2 - right || box[3] > H - 2 - bottom) continue;
        if (hits(box, n)) continue;
        ctx.font = fontOf(n);
        ctx.lineWidth = 4;
        ctx.strokeStyle = "rgba(255,255,255,0.95)";
        ctx.fillStyle = n === state.selected ? "#000" : "#1b1b1b";
        for (var l = 0; l < L.text.length; l++) {
          ctx.strokeText(L.text[l], box[0], box[1] + l * (px + 2));
          ctx.fillText(L.text[l], box[0], box[1] + l * (px + 2));
        }
        placedLabels.push({ id: NODES[n][0], text: L.text.join(" "), lines: L.text, font: px,
                            box: box, node: [x, y] });
        put([box[0], box[1], box[2], box[3], -1]);
        break;
      }
    }
    ctx.restore();
  }
  network.on("afterDrawing", drawLabels);
  api.labels = function () {
    return placedLabels.map(function (p) {
      return { id: p.id, text: p.text, lines: p.lines, font: p.font, x: p.box[0], y: p.box[1],
               width: p.box[2] - p.box[0], height: p.box[3] - p.box[1], node: p.node };
    });
  };

  network.once("afterDrawing", function () {
    api.ready = true;
    api.drawnAt = performance.now();
    document.documentElement.setAttribute("data-drawn", "true");
    window.dispatchEvent(new CustomEvent("cartgraph:drawn"));
  });

  // -- edge labels: for the hovered and selected nodes, or all when zoomed in --------------

  var labelled = new Set();
  function edgeLabels() {
    if (LOD) return;
    var want = new Set();
    var zoomed = network.getScale() >= 1.4;
    [state.selected, state.hovered].forEach(function (i) {
      if (i === null) return;
      outgoingEdges[i].concat(incoming[i]).forEach(function (k) { want.add(k); });
    });
    var updates = [];
    for (var k = 0; k < EDGES.length; k++) {
      var on = zoomed || want.has(k);
      if (on !== labelled.has(k)) {
        updates.push({ id: k, label: on ? PREDS[EDGES[k][2]].label : "" });
        if (on) labelled.add(k); else labelled.delete(k);
      }
    }
    if (updates.length) edges.update(updates);
  }
  CG.edgeLabels = edgeLabels;
  network.on("hoverNode", function (p) { state.hovered = index.get(p.node); edgeLabels(); });
  network.on("blurNode", function () { state.hovered = null; edgeLabels(); });
  network.on("hoverEdge", function (p) {
    if (!labelled.has(p.edge)) { edges.update([{ id: p.edge, label: PREDS[EDGES[p.edge][2]].label }]); labelled.add(p.edge); }
  });
  network.on("blurEdge", function () { edgeLabels(); });
  var zoomTimer = null;
  network.on("zoom", function () { clearTimeout(zoomTimer); zoomTimer = setTimeout(function () { edgeLabels(); changed(); }, 120); });
  network.on("dragEnd", function () { changed(); });

  // -- level of detail: edges drawn by the page for big graphs -----------------------------

  if (LOD) {
    var ends = EDGES.map(function (e) { return [body.nodes[NODES[e[0]][0]], body.nodes[NODES[e[1]][0]]]; });
    var busy = false, busyTimer = null, dragging = false;
    network.on("dragStart", function () { dragging = true; });
    network.on("dragEnd", function () { dragging = false; network.redraw(); });
    network.on("zoom", function () {
      busy = true;
      clearTimeout(busyTimer);
      busyTimer = setTimeout(function () { busy = false; network.redraw(); }, 200);
    });
    network.on("beforeDrawing", function (ctx) {
      if (dragging || busy) return;
      ctx.beginPath();
      for (var k = 0; k < ends.length; k++) {
        var a = ends[k][0], b = ends[k][1];
        if (!a || !b || a.options.hidden || b.options.hidden || edgeHidden(k)) continue;
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
      }
      ctx.lineWidth = 1 / body.view.scale;
      ctx.strokeStyle = "rgba(110,110,110,0.35)";
      ctx.stroke();
    });
  }
  var selectedEdges = [];
  function showSelectionEdges(i) {
    if (!LOD) return;
    if (selectedEdges.length) edges.remove(selectedEdges);
    selectedEdges = i === null ? [] : outgoingEdges[i].concat(incoming[i]).filter(function (k) {
      return !isHidden(EDGES[k][0]) && !isHidden(EDGES[k][1]);
    });
    if (selectedEdges.length) edges.add(selectedEdges.map(function (k) {
      var e = visEdge(k);
      e.label = PREDS[EDGES[k][2]].label;
      return e;
    }));
  }

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
    var f = Math.min((W - 190) / Math.max(x1 - x0, 1), (H - 90) / Math.max(y1 - y0, 1));
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
    var hw = (W - 20) / 2, hh = (H - 20) / 2;
    var R = [], X = [], Y = [];
    list.forEach(function (i, k) {
      var L = lines(i), r = nodeSize(i);
      R.push([Math.max(L.width, 2 * r) / 2 + 3, r, r + 4 + L.text.length * (fontPx(i) + 2)]);
      X.push(NODES[i][3]);
      Y.push(NODES[i][4]);
    });
    for (var round = 0; round < 80; round++) {
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

  // -- showing and hiding ------------------------------------------------------------------

  function refresh(list) {
    nodes.update(list.map(function (i) { return { id: NODES[i][0], hidden: isHidden(i) }; }));
    updateCounts();
    changed();
  }
  CG.refresh = refresh;
  function place(i, around, k, count) {
    if (NODES[i][3] !== null) return null;
    var p = network.getPosition(NODES[around][0]);
    var r = 90 + 6 * count, angle = 2 * Math.PI * k / Math.max(count, 1);
    NODES[i][3] = p.x + r * Math.cos(angle);
    NODES[i][4] = p.y + r * Math.sin(angle);
    return { id: NODES[i][0], x: NODES[i][3], y: NODES[i][4] };
  }
  function reveal(list, around) {
    var moves = [];
    list.forEach(function (j, k) {
      shown[j] = 1;
      var m = around === undefined ? null : place(j, around, k, list.length);
      if (m) moves.push(m);
    });
    if (moves.length) nodes.update(moves);
    refresh(list);
  }
  CG.reveal = reveal;
  /** Double-click: show the node's hidden neighbours, or hide those that hang only on it. */
  function toggle(i) {
    var hidden = unique(adjacency[i].filter(function (j) { return !shown[j]; }));
    if (hidden.length) {
      reveal(hidden, i);
      status("expanded " + NODES[i][1] + ": " + hidden.length + " more nodes");
      return;
    }
    var leaves = unique(adjacency[i]).filter(function (j) {
      return shown[j] && j !== i && adjacency[j].every(function (m) { return m === i || !shown[m]; });
    });
    leaves.forEach(function (j) { shown[j] = 0; });
    refresh(leaves);
    status(leaves.length ? "collapsed " + NODES[i][1] + ": " + leaves.length + " nodes hidden"
                         : "nothing to collapse: every neighbour of " + NODES[i][1] + " has other links");
  }

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
  function updateCounts() {
    var counts = CLASSES.map(function () { return 0; });
    for (var k = 0; k < SIZE; k++) if (!isHidden(k)) counts[NODES[k][2]]++;
    countCells.forEach(function (cell, c) { if (cell) cell.textContent = String(counts[c]); });
    familyCells.forEach(function (cell, f) {
      if (!cell) return;
      var total = 0;
      CLASSES.forEach(function (c, k) { if (c.family === f) total += counts[k]; });
      cell.textContent = String(total);
    });
  }
  function setClassVisible(c, visible) {
    if (visible) hiddenClasses.delete(c); else hiddenClasses.add(c);
    var box = document.querySelector('#legend input[data-class="' + c + '"]');
    if (box) box.checked = visible;
    var members = [];
    for (var k = 0; k < SIZE; k++) if (NODES[k][2] === c) members.push(k);
    refresh(members);
  }
  function setLayer(on) {
    state.layer = !!on;
    var box = document.getElementById("layer-toggle");
    if (box) box.checked = state.layer;
    var members = [];
    for (var k = 0; k < SIZE; k++) if (inLayer(k)) members.push(k);
    refresh(members);
    edges.update(EDGES.map(function (e, k) { return { id: k, hidden: edgeHidden(k) }; }).filter(function (u) {
      return edges.get(u.id);
    }));
    document.getElementById("legend").classList.toggle("layer-on", state.layer);
  }
  CG.setClassVisible = setClassVisible;
  CG.setLayer = setLayer;
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
      });
    });
    updateCounts();
  })();

  // -- status --------------------------------------------------------------------------------

  var statusLine = document.getElementById("status");
  var baseStatus = statusLine.textContent;
  function status(text) { statusLine.textContent = text ? baseStatus + " · " + text : baseStatus; }
  CG.status = status;

  // -- selection -------------------------------------------------------------------------------

  function select(i) {
    state.selected = i;
    network.selectNodes(i === null ? [] : [NODES[i][0]]);
    showSelectionEdges(i);
    edgeLabels();
    if (i !== null && CG.details) CG.details(i);
    changed();
  }
  CG.select = select;
  /** Show node i (revealing it, its class or the layer if needed), select it and centre on it. */
  function focus(i) {
    if (hiddenClasses.has(NODES[i][2])) setClassVisible(NODES[i][2], true);
    if (inLayer(i) && !state.layer) setLayer(true);
    if (!shown[i]) reveal([i], adjacency[i].filter(function (j) { return shown[j]; })[0]);
    select(i);
    network.focus(NODES[i][0], { scale: Math.max(network.getScale(), 1.0), animation: false });
    changed();
  }
  CG.focus = focus;
  network.on("click", function (params) {
    if (params.nodes.length) select(index.get(params.nodes[0]));
    else if (!params.edges.length) { state.selected = null; showSelectionEdges(null); edgeLabels(); if (CG.closeCard) CG.closeCard(); changed(); }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) toggle(index.get(params.nodes[0]));
  });

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
      b.addEventListener("click", function () { results.hidden = true; focus(k); });
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
      if (hits.length) { results.hidden = true; focus(hits[0]); }
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

  api.find = function (text) { return find(text).map(function (k) { return NODES[k][0]; }); };
  api.focus = function (id) { focus(index.get(id)); };
  api.details = function (id) { select(index.get(id)); };
  api.expand = function (id) { toggle(index.get(id)); };
  api.setClassVisible = function (iri, visible) {
    var c = CLASSES.findIndex(function (x) { return x.iri === iri; });
    if (c >= 0) setClassVisible(c, visible);
  };
  api.setLayer = setLayer;
  api.fitTo = function (ids) { fitTo(ids.map(function (id) { return index.get(id); })); };
  api.png = function () { return png(false); };
})();
