// A Yasr plugin that draws results as a network (SVG, no dependencies): CONSTRUCT and
// DESCRIBE results (subject -> object, labelled by the predicate), and SELECT results
// with two or more columns of IRIs (the first two are the ends of each edge; a column
// named p, predicate or relation labels it; a column named xLabel or xName labels x).
// Text from the data goes into SVG text nodes and titles, never into markup.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const MAX_NODES = 400;
  const RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  function isNode(cell) {
    return cell && (cell.type === "uri" || cell.type === "bnode");
  }

  // {nodes: Map(id -> {id, label, details[]}), edges: [{from, to, label}]} or null
  function extract(vars, bindings, shorten) {
    const spo = ["subject", "predicate", "object"].every((v) => vars.includes(v))
      ? ["subject", "predicate", "object"]
      : ["s", "p", "o"].every((v) => vars.includes(v)) ? ["s", "p", "o"] : null;
    let ends;
    let edgeVar = null;
    if (spo) {
      ends = [spo[0], spo[2]];
      edgeVar = spo[1];
    } else {
      const nodeVars = vars.filter((v) => bindings.some((b) => b[v]) &&
        bindings.every((b) => !b[v] || isNode(b[v])));
      const ends2 = nodeVars.filter((v) => !/^(p|predicate|relation|property)$/i.test(v));
      if (ends2.length < 2) return null;
      ends = ends2.slice(0, 2);
      edgeVar = vars.find((v) => /^(p|predicate|relation|property)$/i.test(v)) || null;
    }
    const nodes = new Map();
    const edges = [];
    const node = (cell) => {
      const id = cell.value;
      if (!nodes.has(id)) nodes.set(id, { id, label: shorten(cell), details: [] });
      return nodes.get(id);
    };
    for (const b of bindings) {
      const a = b[ends[0]];
      const z = b[ends[1]];
      if (!isNode(a) || !z) continue;
      const from = node(a);
      const label = edgeVar && b[edgeVar] ? shorten(b[edgeVar]) : "";
      if (!isNode(z)) {
        if (edgeVar && b[edgeVar] && b[edgeVar].value === RDFS_LABEL) from.label = z.value;
        else from.details.push(`${label}: ${z.value}`);
        continue;
      }
      if (nodes.size >= MAX_NODES && !nodes.has(z.value)) continue;
      const to = node(z);
      edges.push({ from: from.id, to: to.id, label });
      for (const [end, n] of [[ends[0], from], [ends[1], to]]) {
        for (const suffix of ["Label", "Name", "_label"]) {
          const cell = b[end + suffix];
          if (cell && cell.type !== "uri") n.label = cell.value;
        }
      }
    }
    return nodes.size ? { nodes, edges } : null;
  }

  // Fruchterman-Reingold in a unit square, a fixed number of rounds.
  function layout(nodes, edges) {
    const list = [...nodes.values()];
    const n = list.length;
    const k = Math.sqrt(1 / n);
    list.forEach((v, i) => {
      const angle = (2 * Math.PI * i) / n;
      v.x = 0.5 + 0.4 * Math.cos(angle);
      v.y = 0.5 + 0.4 * Math.sin(angle);
    });
    const index = new Map(list.map((v, i) => [v.id, i]));
    let t = 0.1;
    for (let round = 0; round < 200; round += 1) {
      const dx = new Float64Array(n);
      const dy = new Float64Array(n);
      for (let i = 0; i < n; i += 1) {
        for (let j = i + 1; j < n; j += 1) {
          const x = list[i].x - list[j].x;
          const y = list[i].y - list[j].y;
          const d2 = Math.max(x * x + y * y, 1e-6);
          const f = (k * k) / d2;
          dx[i] += x * f; dy[i] += y * f; dx[j] -= x * f; dy[j] -= y * f;
        }
      }
      for (const e of edges) {
        const i = index.get(e.from);
        const j = index.get(e.to);
        if (i === j) continue;
        const x = list[i].x - list[j].x;
        const y = list[i].y - list[j].y;
        const d = Math.max(Math.sqrt(x * x + y * y), 1e-3);
        const f = d / k;
        dx[i] -= x * f; dy[i] -= y * f; dx[j] += x * f; dy[j] += y * f;
      }
      for (let i = 0; i < n; i += 1) {
        const d = Math.max(Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]), 1e-9);
        list[i].x += (dx[i] / d) * Math.min(d, t);
        list[i].y += (dy[i] / d) * Math.min(d, t);
      }
      t *= 0.98;
    }
    const xs = list.map((v) => v.x);
    const ys = list.map((v) => v.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    for (const v of list) {
      v.x = 60 + ((v.x - x0) / Math.max(x1 - x0, 1e-9)) * 880;
      v.y = 40 + ((v.y - y0) / Math.max(y1 - y0, 1e-9)) * 520;
    }
  }

  function draw(graph) {
    const root = svg("svg", { viewBox: "0 0 1000 600", class: "cg-graph", role: "img" });
    const defs = svg("defs");
    const marker = svg("marker", { id: "cg-arrow", viewBox: "0 0 10 10", refX: 18, refY: 5,
      markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "cg-arrow" }));
    defs.append(marker);
    root.append(defs);
    for (const e of graph.edges) {
      const a = graph.nodes.get(e.from);
      const b = graph.nodes.get(e.to);
      const line = svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "cg-edge",
        "marker-end": "url(#cg-arrow)" });
      const title = svg("title");
      title.textContent = e.label;
      line.append(title);
      root.append(line);
      if (e.label && graph.edges.length <= 60) {
        const text = svg("text", { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2, class: "cg-edge-label" });
        text.textContent = e.label;
        root.append(text);
      }
    }
    for (const v of graph.nodes.values()) {
      const group = svg("g", { class: "cg-node", "data-id": v.id });
      group.append(svg("circle", { cx: v.x, cy: v.y, r: 7 }));
      const text = svg("text", { x: v.x + 10, y: v.y + 4 });
      text.textContent = v.label;
      const title = svg("title");
      title.textContent = [v.id, ...v.details].join("\n");
      group.append(title, text);
      root.append(group);
    }
    return root;
  }

  class GraphPlugin {
    constructor(yasr) {
      this.yasr = yasr;
      this.priority = 5;
      this.label = "Graph";
      this.svg = null;
    }

    graph() {
      const results = this.yasr.results;
      if (!results || results.hasError()) return null;
      const bindings = results.getBindings();
      if (!bindings || !bindings.length) return null;
      const prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : {};
      const shorten = (cell) => {
        if (cell.type !== "uri") return cell.type === "bnode" ? `_:${cell.value}` : cell.value;
        for (const [p, ns] of Object.entries(prefixes || {})) {
          if (cell.value.startsWith(ns) && cell.value.length > ns.length) {
            return `${p}:${cell.value.slice(ns.length)}`;
          }
        }
        return cell.value;
      };
      return extract(results.getVariables(), bindings, shorten);
    }

    canHandleResults() {
      return this.graph() !== null;
    }

    draw() {
      const graph = this.graph();
      if (!graph) return;
      layout(graph.nodes, graph.edges);
      this.svg = draw(graph);
      const box = document.createElement("div");
      box.className = "cg-graph-box";
      const note = document.createElement("p");
      note.className = "cg-graph-note";
      note.textContent = `${graph.nodes.size} nodes, ${graph.edges.length} edges` +
        (graph.nodes.size >= MAX_NODES ? ` (the first ${MAX_NODES} nodes)` : "") +
        "; hover for IRIs and values";
      box.append(note, this.svg);
      this.yasr.resultsEl.appendChild(box);
    }

    getIcon() {
      const icon = document.createElement("span");
      icon.className = "cg-graph-icon";
      icon.textContent = "◉";
      return icon;
    }

    download() {
      if (!this.svg) return undefined;
      const svgText = new XMLSerializer().serializeToString(this.svg);
      return {
        contentType: "image/svg+xml",
        getData: () => svgText,
        filename: "graph.svg",
        title: "Download the graph (SVG)",
      };
    }
  }

  if (window.Yasr) window.Yasr.registerPlugin("graph", GraphPlugin);
})();
