/* cartgraph explorer, part 3 of 4: the details card of the selected entity.
 *
 * Name, kind, a one-line description; what each source says about it (claims,
 * with the curators' check status, and a warning where sources disagree); its
 * facts grouped by source (title, date, link); identifiers as links (nothing is
 * fetched: a link opens only when clicked); its neighbours as buttons; and, folded,
 * every statement with the graphs that hold it. Text only (textContent), links
 * only for http(s) IRIs.
 */
(function () {
  "use strict";

  var CG = window.cartgraph._;
  var NODES = CG.NODES, EDGES = CG.EDGES, PREDS = CG.PREDS, data = CG.data, el = CG.el;
  var GRAPHS = data.graphs, SOURCES = data.sources || [], CLAIMS = data.claims || [];
  var RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", RDFS = "http://www.w3.org/2000/01/rdf-schema#";
  var SKOS = "http://www.w3.org/2004/02/skos/core#", OWL = "http://www.w3.org/2002/07/owl#";
  var DESCRIPTIONS = [RDFS + "comment", "http://purl.org/dc/terms/description", SKOS + "definition",
                      "http://schema.org/description"];
  var NAMES = [RDFS + "label", SKOS + "prefLabel", "http://schema.org/name", "http://xmlns.com/foaf/0.1/name"];
  var LINKS = [OWL + "sameAs", SKOS + "exactMatch", SKOS + "closeMatch", RDFS + "seeAlso",
               "http://xmlns.com/foaf/0.1/homepage", "http://purl.org/dc/terms/source"];
  var IDENTIFIER = /(Id|ID|doi|pmid|issn|Code|doid)$/;
  var STATUS = { supported: "supported by a checked source", consistent: "consistent with checked sources",
                 contradicted: "contradicted by a checked source", unverified: "not checked" };

  var panel = document.getElementById("details");
  function isWebIri(text) { return /^https?:\/\/[^\s]+$/i.test(text); }
  function local(iri) { return iri.replace(/^.*[#\/:]/, ""); }
  function link(iri, text) {
    if (!isWebIri(iri)) return el("span", text || CG.curie(iri));
    var a = el("a", text || iri.replace(/^https?:\/\/(www\.)?/, "").replace(/\/$/, ""));
    a.href = iri;
    a.target = "_blank";
    a.rel = "noopener noreferrer external";
    a.title = iri + " (opens in a new tab; nothing is loaded before you click)";
    return a;
  }
  function nodeButton(j) {
    var b = el("button", NODES[j][1], "node");
    b.type = "button";
    b.title = CG.curie(NODES[j][0]);
    b.addEventListener("click", function () { CG.focus(j); });
    return b;
  }
  function graphNames(list) {
    return list.map(function (g) { return GRAPHS[g] ? CG.curie(GRAPHS[g]) : "query result"; }).sort().join(", ");
  }
  function value(d) {
    if (d[1] === "n") return nodeButton(d[2]);
    if (d[1] === "i") return link(d[2], CG.curie(d[2]));
    if (d[1] === "b") return el("span", d[2]);
    var span = el("span");
    span.appendChild(el("span", d[2]));
    if (d[3]) span.appendChild(el("span", d[3], "literal-type"));
    return span;
  }
  function firstSentence(text) {
    var m = /^(.{40,}?[.!?])\s/.exec(text);
    return m ? m[1] : text;
  }
  /** Node i's statements, one row per (predicate, value) with the list of its graphs. */
  function merged(i) {
    var rows = new Map();
    (data.details[i] || []).forEach(function (d) {
      var key = JSON.stringify([d[0], d[1], d[2], d[3]]);
      var row = rows.get(key);
      if (!row) rows.set(key, [d[0], d[1], d[2], d[3], [d[4]]]);
      else if (row[4].indexOf(d[4]) < 0) row[4].push(d[4]);
    });
    return Array.from(rows.values());
  }
  function section(title, cls) {
    var s = el("section", null, cls);
    s.appendChild(el("h3", title));
    panel.appendChild(s);
    return s;
  }
  function sourceHead(g) {
    var src = SOURCES[g], head = el("div", null, "source");
    if (!src) { head.appendChild(el("strong", GRAPHS[g] ? CG.curie(GRAPHS[g]) : "query result")); return head; }
    head.appendChild(el("strong", src.name));
    var meta = [];
    if (src.title && src.title !== src.name) meta.push(src.title);
    if (src.date) meta.push(src.date);
    if (meta.length) head.appendChild(el("span", " · " + meta.join(" · "), "meta"));
    if (src.link) { head.appendChild(el("span", " · ")); head.appendChild(link(src.link, "source")); }
    return head;
  }

  function claimsAbout(i, into) {
    var mine = CLAIMS.filter(function (c) { return c[1] === i; });
    if (!mine.length) return;
    var byProperty = new Map();
    mine.forEach(function (c) { if (!byProperty.has(c[2])) byProperty.set(c[2], []); byProperty.get(c[2]).push(c); });
    var s = section("What the sources say (" + mine.length + " claim" + (mine.length > 1 ? "s" : "") + ")", "claims");
    byProperty.forEach(function (list, property) {
      var values = CG.unique(list.map(function (c) { return c[7]; }));
      var sayers = CG.unique(list.map(function (c) { return c[4]; }));
      if (values.length > 1 && sayers.length > 1 && list[0][8]) {
        var warn = el("p", null, "disagree");
        warn.setAttribute("role", "note");
        warn.appendChild(el("strong", "Sources disagree on " + property + ": "));
        // One entry per value, with every source that gives it: "16 (A) vs 20 (B; C)".
        warn.appendChild(el("span", values.map(function (v) {
          var same = list.filter(function (c) { return c[7] === v; });
          return same[0][3] + " (" + CG.unique(same.map(function (c) { return c[4]; })).join("; ") + ")";
        }).join(" vs ")));
        s.appendChild(warn);
      }
    });
    var ul = el("ul", null, "claim-list");
    byProperty.forEach(function (list, property) {
      list.forEach(function (c) {
        var li = el("li");
        var line = el("div");
        line.appendChild(el("span", property + ": ", "prop"));
        line.appendChild(el("strong", c[3]));
        if (c[5]) {
          var badge = el("span", c[5], "badge " + c[5]);
          badge.title = STATUS[c[5]] || c[5];
          line.appendChild(badge);
        }
        li.appendChild(line);
        var who = el("div", null, "who");
        who.appendChild(el("span", "says " + (c[4] || "an unnamed source") + " · "));
        var open = el("button", "the claim", "node");
        open.type = "button";
        open.addEventListener("click", function () { CG.focus(c[0]); });
        who.appendChild(open);
        li.appendChild(who);
        if (c[6]) li.appendChild(el("q", c[6]));
        ul.appendChild(li);
      });
    });
    s.appendChild(ul);
  }

  function details(i) {
    panel.replaceChildren();
    panel.hidden = false;
    document.body.classList.add("card-open");
    CG.network.redraw();
    var n = NODES[i], c = CG.classOf(i), rows = merged(i);
    var close = el("button", "×", "close");
    close.type = "button";
    close.title = "Close (Esc)";
    close.setAttribute("aria-label", "Close the details");
    close.addEventListener("click", closeCard);
    panel.appendChild(close);
    var kind = el("p", null, "kind");
    kind.appendChild(CG.swatch(c.shape, c.color));
    kind.appendChild(el("span", " " + (c.label || "no class") + (CG.familyOf(n[2]).name ? " · " + CG.familyOf(n[2]).name : "")));
    panel.appendChild(kind);
    var h = el("h2", n[1]);
    h.tabIndex = -1;
    panel.appendChild(h);
    var about = rows.filter(function (d) { return DESCRIPTIONS.indexOf(PREDS[d[0]].iri) >= 0 && d[1] === "l"; })[0];
    if (about) {
      var p = el("p", firstSentence(about[2]), "description");
      p.title = about[2];
      panel.appendChild(p);
    }
    var id = el("p", null, "iri");
    id.appendChild(link(n[0], CG.curie(n[0])));
    panel.appendChild(id);

    claimsAbout(i, panel);

    var ids = rows.filter(function (d) {
      var iri = PREDS[d[0]].iri;
      return (d[1] === "i" && LINKS.indexOf(iri) >= 0) || (d[1] === "l" && IDENTIFIER.test(local(iri)));
    });
    var groups = new Map();
    rows.forEach(function (d) {
      var iri = PREDS[d[0]].iri;
      if (iri === RDF + "type" || NAMES.indexOf(iri) >= 0 || DESCRIPTIONS.indexOf(iri) >= 0 || ids.indexOf(d) >= 0) return;
      d[4].forEach(function (g) { if (!groups.has(g)) groups.set(g, []); groups.get(g).push(d); });
    });
    if (groups.size) {
      var facts = section("Facts, by source", "facts");
      groups.forEach(function (list, g) {
        facts.appendChild(sourceHead(g));
        var dl = el("dl");
        list.forEach(function (d) {
          var dt = el("dt", PREDS[d[0]].label);
          dt.title = CG.curie(PREDS[d[0]].iri);
          var dd = el("dd");
          dd.appendChild(value(d));
          dl.append(dt, dd);
        });
        facts.appendChild(dl);
      });
    }
    if (ids.length) {
      var idSec = section("Identifiers", "identifiers");
      var ul = el("ul");
      ids.forEach(function (d) {
        var li = el("li");
        li.appendChild(el("span", PREDS[d[0]].label + ": ", "prop"));
        li.appendChild(d[1] === "i" ? link(d[2]) : el("span", d[2]));
        ul.appendChild(li);
      });
      idSec.appendChild(ul);
    }
    neighbours(i);
    var all = el("details", null, "statements");
    all.appendChild(el("summary", "All statements (" + rows.length + ")"));
    var table = el("table");
    var head = el("tr");
    head.append(el("th", "property"), el("th", "value"), el("th", "source"));
    table.appendChild(head);
    rows.forEach(function (d) {
      var tr = el("tr"), th = el("th", PREDS[d[0]].label), td = el("td");
      th.title = CG.curie(PREDS[d[0]].iri);
      td.appendChild(value(d));
      tr.append(th, td, el("td", graphNames(d[4]), "graph"));
      table.appendChild(tr);
    });
    all.appendChild(table);
    panel.appendChild(all);
    var hidden = CG.unique(CG.adjacency[i].filter(function (j) { return !CG.shown[j]; })).length;
    if (hidden) panel.appendChild(el("p", hidden + " neighbours not drawn: double-click the node to expand it.", "hint leftout"));
  }

  function neighbours(i) {
    var groups = new Map(), layerOnly = 0;
    function add(name, j) {
      if (CG.inLayer(j) && !CG.state.layer) { layerOnly++; return; }
      if (!groups.has(name)) groups.set(name, []);
      if (groups.get(name).indexOf(j) < 0) groups.get(name).push(j);
    }
    CG.outgoingEdges[i].forEach(function (k) { if (EDGES[k][1] !== i) add(PREDS[EDGES[k][2]].label, EDGES[k][1]); });
    CG.incoming[i].forEach(function (k) { if (EDGES[k][0] !== i) add(PREDS[EDGES[k][2]].label + " (of)", EDGES[k][0]); });
    if (!groups.size && !layerOnly) return;
    var s = section("Connected to", "neighbours");
    var dl = el("dl");
    groups.forEach(function (list, name) {
      var dd = el("dd");
      list.forEach(function (j, k) { if (k) dd.appendChild(el("span", ", ")); dd.appendChild(nodeButton(j)); });
      dl.append(el("dt", name), dd);
    });
    s.appendChild(dl);
    if (layerOnly) s.appendChild(el("p", layerOnly + " links to claims and sources (tick \u201cClaims and sources\u201d in the legend to draw them).", "hint"));
  }

  function closeCard() {
    panel.hidden = true;
    document.body.classList.remove("card-open");
    CG.network.redraw();
    if (CG.state.selected !== null) { CG.state.selected = null; CG.network.unselectAll(); CG.changed(); }
  }
  CG.details = details;
  CG.closeCard = closeCard;
})();
