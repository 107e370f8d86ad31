// The query page: named queries, an editor, results as a table.
// Data from the server is only ever inserted as text (textContent), never as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let config = { prefixes: {}, queries: [] };
  let current = null; // the named query picked, or null

  function prefixLines() {
    return Object.entries(config.prefixes)
      .map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
  }

  function curie(iri) {
    let best = null;
    for (const [p, ns] of Object.entries(config.prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > config.prefixes[best].length)) {
        const local = iri.slice(ns.length);
        if (local && !/[/#]/.test(local)) best = p;
      }
    }
    return best ? `${best}:${iri.slice(config.prefixes[best].length)}` : iri;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function showParams(query) {
    const box = $("params");
    box.replaceChildren();
    for (const p of (query ? query.params : [])) {
      const id = `param-${p.name}`;
      const label = el("label", `?${p.name}`);
      label.htmlFor = id;
      label.title = p.description || "";
      const input = el("input");
      input.id = id;
      input.dataset.name = p.name;
      input.value = p.default || "";
      box.append(label, input);
    }
  }

  function pick(name) {
    current = config.queries.find((q) => q.name === name) || null;
    $("named-description").textContent = current ? current.description || current.title : "";
    showParams(current);
    if (current) $("query").value = current.text;
  }

  function requestUrl(format) {
    const text = $("query").value;
    let base, params;
    if (current && text === current.text) {
      base = `/named/${encodeURIComponent(current.name)}`;
      params = new URLSearchParams();
      for (const input of $("params").querySelectorAll("input")) {
        if (input.value !== "") params.set(input.dataset.name, input.value);
      }
    } else {
      base = "/sparql";
      params = new URLSearchParams({ query: text });
    }
    if (format) params.set("format", format);
    return `${base}?${params.toString()}`;
  }

  function term(cell) {
    if (!cell) return ["", ""];
    if (cell.type === "uri") return [curie(cell.value), "iri"];
    if (cell.type === "bnode") return [`_:${cell.value}`, "bnode"];
    const lang = cell["xml:lang"] ? `@${cell["xml:lang"]}` : "";
    return [cell.value + lang, "literal"];
  }

  function renderSolutions(data) {
    const results = $("results");
    if ("boolean" in data) {
      results.replaceChildren(el("p", data.boolean ? "true" : "false"));
      return 1;
    }
    const vars = data.head.vars || [];
    const table = el("table");
    const headRow = el("tr");
    for (const v of vars) headRow.append(el("th", v));
    table.append(el("thead"));
    table.tHead.append(headRow);
    const body = el("tbody");
    for (const row of data.results.bindings) {
      const tr = el("tr");
      for (const v of vars) {
        const [text, cls] = term(row[v]);
        tr.append(el("td", text, cls));
      }
      body.append(tr);
    }
    table.append(body);
    results.replaceChildren(table);
    return data.results.bindings.length;
  }

  function showDownloads(kind) {
    const tabular = kind === "solutions";
    for (const [id, fmt, show] of [["download-csv", "csv", tabular],
      ["download-json", "json", tabular], ["download-turtle", "turtle", !tabular]]) {
      const link = $(id);
      link.hidden = !show;
      if (show) {
        link.setAttribute("href", requestUrl(fmt));
        link.setAttribute("download", `results.${fmt === "turtle" ? "ttl" : fmt}`);
      }
    }
  }

  async function run() {
    setStatus("running…", false);
    const started = performance.now();
    try {
      const response = await fetch(requestUrl(null), {
        headers: { Accept: "application/sparql-results+json, text/turtle;q=0.9" },
      });
      const text = await response.text();
      if (!response.ok) {
        setStatus(`${response.status}: ${text.trim()}`, true);
        return;
      }
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      const type = response.headers.get("Content-Type") || "";
      if (type.startsWith("application/sparql-results+json")) {
        const n = renderSolutions(JSON.parse(text));
        setStatus(`${n} result${n === 1 ? "" : "s"} in ${seconds} s`, false);
        showDownloads("solutions");
      } else {
        $("results").replaceChildren(el("pre", text));
        setStatus(`graph in ${seconds} s`, false);
        showDownloads("graph");
      }
    } catch (err) {
      setStatus(`request failed: ${err}`, true);
    }
  }

  async function init() {
    const response = await fetch("/queries.json");
    config = await response.json();
    const select = $("named");
    for (const q of config.queries) {
      const option = el("option", `${q.name} — ${q.title}`);
      option.value = q.name;
      select.append(option);
    }
    select.addEventListener("change", () => pick(select.value));
    $("query").value = `${prefixLines()}\n\nSELECT ?s ?label WHERE {\n  ?s a cg:Hospital ;\n     rdfs:label ?label .\n}\nLIMIT 100\n`;
    $("run").addEventListener("click", run);
    $("query").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run();
    });
    $("endpoint").textContent = `${location.origin}/sparql`;
  }

  document.addEventListener("DOMContentLoaded", init);
})();
