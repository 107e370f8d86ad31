/* cartgraph explorer: draws the graph embedded in #cartgraph-data with vis-network.
 *
 * Safety: data comes from JSON.parse and reaches the DOM through textContent and
 * element properties only (never innerHTML); links are made for http(s) IRIs only.
 *
 * Modes (chosen by the page generator): "small" runs physics until the layout is
 * stable, then stops it; "full" draws precomputed positions with physics off;
 * "lod" (big graphs) also draws edges as one canvas layer (vis-network edges,
 * with labels and arrows, only for the selected node) and labels only when
 * zoomed in.
 *
 * For scripts and tests: window.network is the vis-network instance, and
 * window.cartgraph offers {data, ready, find(text), focus(id), details(id),
 * expand(id), setClassVisible(classIri, visible), png()}. When the first frame
 * is drawn, window.cartgraph.ready is true, <html data-drawn="true"> is set and
 * a "cartgraph:drawn" event is dispatched on window.
 */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("cartgraph-data").textContent);
  var MODE = data.mode;
  var LOD = MODE === "lod";
  var NODES = data.nodes; // [id, label, class, x, y, reserve]
  var EDGES = data.edges; // [from, to, predicate, graph]
  var CLASSES = data.classes;
  var PREDS = data.predicates;
  var GRAPHS = data.graphs;
  var SIZE = NODES.length;
  var LABEL_SHAPES = { box: "square", ellipse: "dot", circle: "dot", database: "square", text: "dot" };

  var index = new Map();
  var shown = new Uint8Array(SIZE);
  var adjacency = [];
  var incoming = [];
  var outgoingEdges = [];
  var hiddenClasses = new Set();
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

  // -- names ------------------------------------------------------------------------

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
  function isWebIri(text) { return /^https?:\/\/[^\s]+$/i.test(text); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function classOf(i) { return CLASSES[NODES[i][2]] || { iri: "", label: "", color: "#bbb", shape: "dot" }; }
  function darker(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
    if (!m) return "#555";
    return "#" + [1, 2, 3].map(function (k) {
      return ("0" + Math.round(parseInt(m[k], 16) * 0.6).toString(16)).slice(-2);
    }).join("");
  }
  function textColor(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(hex);
    if (!m) return "#000";
    var y = 0.299 * parseInt(m[1], 16) + 0.587 * parseInt(m[2], 16) + 0.114 * parseInt(m[3], 16);
    return y > 150 ? "#111" : "#fff";
  }

  // -- the network -------------------------------------------------------------------

  function isHidden(i) { return !shown[i] || hiddenClasses.has(NODES[i][2]); }

  function visNode(i) {
    var n = NODES[i];
    var item = { id: n[0], hidden: isHidden(i) };
    if (n[3] !== null) { item.x = n[3]; item.y = n[4]; }
    if (LOD) {
      var c = classOf(i);
      item.color = c.color;
      item.shape = LABEL_SHAPES[c.shape] || c.shape;
    } else {
      item.group = "c" + n[2];
      item.label = n[1];
    }
    return item;
  }

  function visEdge(k) {
    var e = EDGES[k];
    return { id: k, from: NODES[e[0]][0], to: NODES[e[1]][0], label: PREDS[e[2]].label };
  }

  var groups = {};
  CLASSES.forEach(function (c, k) {
    groups["c" + k] = {
      shape: c.shape,
      color: { background: c.color, border: darker(c.color),
               highlight: { background: c.color, border: "#000" } },
      font: { color: LABEL_SHAPES[c.shape] && c.shape !== "text" ? textColor(c.color) : "#222" }
    };
  });

  var nodes = new vis.DataSet(NODES.map(function (n, k) { return visNode(k); }));
  var edges = new vis.DataSet(LOD ? [] : EDGES.map(function (e, k) { return visEdge(k); }));
  var options = {
    autoResize: true,
    groups: groups,
    layout: { improvedLayout: false, randomSeed: 1 },
    nodes: LOD ? { size: 7, borderWidth: 0, font: { size: 12 } }
               : { size: 12, borderWidth: 1, font: { size: 13 }, shadow: false },
    edges: {
      smooth: false, shadow: false, width: 1, arrows: { to: { enabled: true, scaleFactor: 0.5 } },
      color: { color: "#9a9a9a", highlight: "#222", opacity: 0.8 },
      font: { size: 10, color: "#444", strokeWidth: 3, align: "middle" },
      selectionWidth: 1.5
    },
    interaction: { hover: false, hideEdgesOnDrag: true, hideEdgesOnZoom: LOD || SIZE > 300,
                   multiselect: false, navigationButtons: false, keyboard: false },
    physics: MODE === "small"
      ? { enabled: true, solver: "barnesHut",
          barnesHut: { gravitationalConstant: -3000, centralGravity: 0.4, springLength: 95, avoidOverlap: 0.2 },
          stabilization: { enabled: true, iterations: 250, updateInterval: 50, fit: true } }
      : { enabled: false }
  };
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  window.network = network;

  function stopPhysics() { network.setOptions({ physics: { enabled: false } }); }
  network.on("stabilizationIterationsDone", stopPhysics);
  network.on("stabilized", stopPhysics);

  var api = { data: data, ready: false };
  window.cartgraph = api;
  network.once("afterDrawing", function () {
    api.ready = true;
    api.drawnAt = performance.now();
    document.documentElement.setAttribute("data-drawn", "true");
    window.dispatchEvent(new CustomEvent("cartgraph:drawn"));
  });

  // -- level of detail: edges and labels drawn by the page for big graphs --------------

  var busy = false;
  var busyTimer = null;
  function setBusy() {
    busy = true;
    clearTimeout(busyTimer);
    busyTimer = setTimeout(function () { busy = false; network.redraw(); }, 200);
  }
  if (LOD) {
    var body = network.body;
    var ends = EDGES.map(function (e) { return [body.nodes[NODES[e[0]][0]], body.nodes[NODES[e[1]][0]]]; });
    var dragging = false;
    network.on("dragStart", function () { dragging = true; });
    network.on("dragEnd", function () { dragging = false; network.redraw(); });
    network.on("zoom", setBusy);
    network.on("beforeDrawing", function (ctx) {
      if (dragging || busy) return;
      ctx.beginPath();
      for (var k = 0; k < ends.length; k++) {
        var a = ends[k][0], b = ends[k][1];
        if (!a || !b || a.options.hidden || b.options.hidden) continue;
        ctx.moveTo(a.x, a.y);
        ctx.lineTo(b.x, b.y);
      }
      ctx.lineWidth = 1 / body.view.scale;
      ctx.strokeStyle = "rgba(110,110,110,0.35)";
      ctx.stroke();
    });
    network.on("afterDrawing", function (ctx) {
      var scale = network.getScale();
      if (scale < 0.45 || busy) return;
      var tl = network.DOMtoCanvas({ x: 0, y: 0 });
      var br = network.DOMtoCanvas({ x: container.clientWidth, y: container.clientHeight });
      var size = 12 / Math.max(scale, 1);
      ctx.font = size + "px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineWidth = 3 / scale;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.fillStyle = "#222";
      var drawn = 0;
      for (var k = 0; k < SIZE && drawn < 400; k++) {
        var node = body.nodes[NODES[k][0]];
        if (!node || node.options.hidden || node.x < tl.x || node.x > br.x ||
            node.y < tl.y || node.y > br.y) continue;
        ctx.strokeText(NODES[k][1], node.x, node.y + 9);
        ctx.fillText(NODES[k][1], node.x, node.y + 9);
        drawn++;
      }
    });
  }

  var selectedEdges = [];
  function showSelectionEdges(i) {
    if (!LOD) return;
    if (selectedEdges.length) edges.remove(selectedEdges);
    selectedEdges = i === null ? [] : outgoingEdges[i].concat(incoming[i]).filter(function (k) {
      return !isHidden(EDGES[k][0]) && !isHidden(EDGES[k][1]);
    });
    if (selectedEdges.length) edges.add(selectedEdges.map(visEdge));
  }

  // -- showing and hiding ------------------------------------------------------------------

  function refresh(list) {
    nodes.update(list.map(function (i) { return { id: NODES[i][0], hidden: isHidden(i) }; }));
    updateCounts();
  }

  function place(i, around, k, count) {
    if (NODES[i][3] !== null) return null;
    var p = network.getPosition(NODES[around][0]);
    var r = 90 + 6 * count;
    var angle = 2 * Math.PI * k / Math.max(count, 1);
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
    if (MODE === "small" && list.length) {
      network.setOptions({ physics: { enabled: true } });
      network.stabilize(120);
    }
  }

  /** Double-click: show the node's hidden neighbours, or hide those that hang only on it. */
  function toggle(i) {
    var hidden = adjacency[i].filter(function (j) { return !shown[j]; });
    if (hidden.length) {
      reveal(unique(hidden), i);
      status("expanded " + NODES[i][1] + ": " + unique(hidden).length + " more nodes");
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
  function unique(list) { return Array.from(new Set(list)); }

  // -- legend -------------------------------------------------------------------------------

  var countCells = [];
  function updateCounts() {
    var counts = CLASSES.map(function () { return 0; });
    for (var k = 0; k < SIZE; k++) if (shown[k]) counts[NODES[k][2]]++;
    countCells.forEach(function (cell, c) { cell.textContent = String(counts[c]); });
  }
  function setClassVisible(c, visible) {
    if (visible) hiddenClasses.delete(c); else hiddenClasses.add(c);
    var box = document.querySelector('#legend input[data-class="' + c + '"]');
    if (box) box.checked = visible;
    var members = [];
    for (var k = 0; k < SIZE; k++) if (NODES[k][2] === c) members.push(k);
    refresh(members);
  }
  (function buildLegend() {
    var list = document.getElementById("legend-items");
    var order = CLASSES.map(function (c, k) { return k; });
    var totals = CLASSES.map(function () { return 0; });
    NODES.forEach(function (n) { totals[n[2]]++; });
    order.sort(function (a, b) { return totals[b] - totals[a] || CLASSES[a].label.localeCompare(CLASSES[b].label); });
    order.forEach(function (c) {
      var item = el("li");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.setAttribute("data-class", String(c));
      box.addEventListener("change", function () { setClassVisible(c, box.checked); });
      var swatch = el("span", null, "swatch");
      swatch.style.backgroundColor = CLASSES[c].color;
      var name = el("span", CLASSES[c].label, "name");
      if (CLASSES[c].iri) name.title = curie(CLASSES[c].iri);
      countCells[c] = el("span", "0", "count");
      label.append(box, swatch, name, countCells[c]);
      item.appendChild(label);
      list.appendChild(item);
    });
    updateCounts();
  })();

  // -- status and what was left out -------------------------------------------------------

  var statusLine = document.getElementById("status");
  var baseStatus = statusLine.textContent;
  function status(text) { statusLine.textContent = text ? baseStatus + " · " + text : baseStatus; }

  // -- details panel ------------------------------------------------------------------------

  function nodeButton(j) {
    var b = el("button", NODES[j][1], "node");
    b.type = "button";
    b.title = curie(NODES[j][0]);
    b.addEventListener("click", function () { focus(j); });
    return b;
  }
  function iriView(iri) {
    if (isWebIri(iri)) {
      var a = el("a", curie(iri));
      a.href = iri;
      a.target = "_blank";
      a.rel = "noopener noreferrer external";
      a.title = iri;
      return a;
    }
    return el("span", curie(iri));
  }
  function graphNames(list) {
    return list.map(function (g) { return GRAPHS[g] ? curie(GRAPHS[g]) : "query result"; })
      .sort().join(", ");
  }
  function row(table, predicate, valueNode, graphText) {
    var tr = el("tr");
    var th = el("th", PREDS[predicate].label);
    th.title = curie(PREDS[predicate].iri);
    var td = el("td");
    td.appendChild(valueNode);
    tr.append(th, td, el("td", graphText, "graph"));
    table.appendChild(tr);
  }

  /** Node i's statements, one row per (predicate, value) with the list of its graphs. */
  function mergedDetails(i) {
    var rows = new Map();
    (data.details[i] || []).forEach(function (d) {
      var key = JSON.stringify([d[0], d[1], d[2], d[3]]);
      var row = rows.get(key);
      if (!row) rows.set(key, [d[0], d[1], d[2], d[3], [d[4]]]);
      else if (row[4].indexOf(d[4]) < 0) row[4].push(d[4]);
    });
    return Array.from(rows.values());
  }

  function details(i) {
    var panel = document.getElementById("details");
    panel.replaceChildren();
    var n = NODES[i];
    var c = classOf(i);
    panel.appendChild(el("h2", n[1]));
    var id = el("p", null, "iri");
    id.appendChild(iriView(n[0]));
    if (curie(n[0]) !== n[0]) id.appendChild(el("span", " " + n[0], "curie"));
    panel.appendChild(id);
    var cls = el("p");
    var swatch = el("span", null, "swatch");
    swatch.style.backgroundColor = c.color;
    cls.append(swatch, el("span", " " + c.label));
    panel.appendChild(cls);

    panel.appendChild(el("h3", "Statements"));
    var table = el("table");
    var head = el("tr");
    head.append(el("th", "property"), el("th", "value"), el("th", "source"));
    table.appendChild(head);
    mergedDetails(i).forEach(function (d) {
      var kind = d[1], value = d[2], extra = d[3], graphs = graphNames(d[4]);
      var node;
      if (kind === "n") node = nodeButton(value);
      else if (kind === "i") node = iriView(value);
      else if (kind === "b") node = el("span", value);
      else {
        node = el("span");
        node.appendChild(el("span", value));
        if (extra) node.appendChild(el("span", extra, "literal-type"));
      }
      row(table, d[0], node, graphs);
    });
    panel.appendChild(table);

    if (incoming[i].length) {
      panel.appendChild(el("h3", "Referenced by"));
      var back = el("table");
      incoming[i].forEach(function (k) {
        var e = EDGES[k];
        row(back, e[2], nodeButton(e[0]), graphNames([e[3]]));
      });
      panel.appendChild(back);
    }
    var hidden = adjacency[i].filter(function (j) { return !shown[j]; }).length;
    if (hidden) panel.appendChild(el("p", unique(adjacency[i].filter(function (j) { return !shown[j]; })).length +
      " neighbours not drawn: double-click the node to expand it.", "hint leftout"));
  }

  function select(i) {
    network.selectNodes([NODES[i][0]]);
    showSelectionEdges(i);
    details(i);
  }

  /** Show node i (revealing it and its class if needed), select it and centre on it. */
  function focus(i) {
    if (hiddenClasses.has(NODES[i][2])) setClassVisible(NODES[i][2], true);
    if (!shown[i]) {
      var anchor = adjacency[i].filter(function (j) { return shown[j]; })[0];
      reveal([i], anchor);
    }
    select(i);
    network.focus(NODES[i][0], { scale: Math.max(network.getScale(), 1.0),
                                 animation: { duration: 300, easingFunction: "easeInOutQuad" } });
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      var i = index.get(params.nodes[0]);
      showSelectionEdges(i);
      details(i);
    } else if (!params.edges.length) {
      showSelectionEdges(null);
    }
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) toggle(index.get(params.nodes[0]));
  });

  // -- search --------------------------------------------------------------------------------

  var searchBox = document.getElementById("search");
  var results = document.getElementById("results");
  var haystack = NODES.map(function (n) { return [n[1].toLowerCase(), curie(n[0]).toLowerCase(), n[0].toLowerCase()]; });

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
      found.push([score, shown[k] ? 0 : 1, NODES[k][1], k]);
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
  document.addEventListener("click", function (ev) {
    if (!document.getElementById("find").contains(ev.target)) results.hidden = true;
  });

  // -- fit and PNG ------------------------------------------------------------------------------

  function fit() { network.fit({ animation: false }); }
  document.getElementById("fit").addEventListener("click", fit);

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
  api.png = function () { return png(false); };
})();
