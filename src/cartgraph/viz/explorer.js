/* cartgraph explorer, part 1 of 4: the drawing (vis-network), labels, showing and hiding.
 * controls.js lays out small graphs and draws the legend, search and PNG; panel.js the
 * details card; story.js the guided story, the URL hash and keys.
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
    unique: unique, network: network, hooks: { changed: [], counts: [] },
    status: function () {}, lines: null };
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
      if (NODES[n][6] >= 0 && NODES[n][6] <= 2) {
        // Near the centre of the story: a few spots a little further out before giving up.
        var f = rad + 14;
        spots.push([x - w / 2, y + f], [x - w / 2, y - f - h], [x + f, y - h / 2], [x - f - w, y - h / 2],
                   [x + 4, y + f], [x - w - 4, y + f], [x + 4, y - f - h], [x - w - 4, y - f - h]);
      }
      for (var s = 0; s < spots.length; s++) {
        var box = [spots[s][0], spots[s][1], spots[s][0] + w, spots[s][1] + h];
        if (box[0] < 2 || box[1] < 2 || box[2] > W - 2 - right || box[3] > H - 2 - bottom) continue;
        if (hits(box, n)) continue;
        ctx.fillStyle = "rgba(255,255,255,0.9)";  // edges behind a label do not strike it
        ctx.fillRect(box[0] - 2, box[1] - 1, w + 4, h + 1);
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

  // -- showing and hiding ------------------------------------------------------------------

  function refresh(list) {
    nodes.update(list.map(function (i) { return { id: NODES[i][0], hidden: isHidden(i) }; }));
    CG.hooks.counts.forEach(function (f) { f(); });
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
      CG.status("expanded " + NODES[i][1] + ": " + hidden.length + " more nodes");
      return;
    }
    var leaves = unique(adjacency[i]).filter(function (j) {
      return shown[j] && j !== i && adjacency[j].every(function (m) { return m === i || !shown[m]; });
    });
    leaves.forEach(function (j) { shown[j] = 0; });
    refresh(leaves);
    CG.status(leaves.length ? "collapsed " + NODES[i][1] + ": " + leaves.length + " nodes hidden"
                         : "nothing to collapse: every neighbour of " + NODES[i][1] + " has other links");
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

  api.find = function (text) { return CG.find(text).map(function (k) { return NODES[k][0]; }); };
  api.focus = function (id) { focus(index.get(id)); };
  api.details = function (id) { select(index.get(id)); };
  api.expand = function (id) { toggle(index.get(id)); };
  api.setClassVisible = function (iri, visible) {
    var c = CLASSES.findIndex(function (x) { return x.iri === iri; });
    if (c >= 0) setClassVisible(c, visible);
  };
  api.setLayer = setLayer;
  api.fitTo = function (ids) { CG.fitTo(ids.map(function (id) { return index.get(id); })); };
  CG.darker = darker;
  CG.lines = lines;
  CG.nodeSize = nodeSize;
  CG.fontPx = fontPx;
  CG.nodes = nodes;
  CG.toggle = toggle;
})();
