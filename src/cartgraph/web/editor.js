// The SPARQL editor page: YASGUI's Yasqe (editor) and Yasr (results), wired to this
// server only. YASGUI's network look-ups (prefix.cc, LOV) are replaced: prefixes come
// from /queries.json, classes and properties from the ontology through /sparql, and
// entities from /search. Data from the server is only ever inserted as text.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    config: { prefixes: {}, queries: [] },
    current: null, // the named query picked, or null
    shown: "", // the editor text a named query was loaded as
    runs: 0, // finished runs, as #status[data-runs] (tests wait for it)
    terms: { class: [], property: [] }, // [{iri, label}]
    labels: new Map(), // full IRI -> "label (class)" for hints
  };

  function curie(iri) {
    let best = null;
    for (const [p, ns] of Object.entries(state.config.prefixes)) {
      if (iri.startsWith(ns) && (!best || ns.length > state.config.prefixes[best].length)) {
        const local = iri.slice(ns.length);
        if (local && !/[/#]/.test(local)) best = p;
      }
    }
    return best ? `${best}:${iri.slice(state.config.prefixes[best].length)}` : `<${iri}>`;
  }

  function prefixLines() {
    return Object.entries(state.config.prefixes)
      .map(([p, iri]) => `PREFIX ${p}: <${iri}>`).join("\n");
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function setStatus(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.className = isError ? "error" : "";
  }

  // -- completion ---------------------------------------------------------------

  // The full IRI the user is typing (cg:Dis -> https://...#Dis), or the bare text.
  function typed(token) {
    return (token.autocompletionString || token.string || "").trim();
  }

  function withLabels(hints) {
    return hints.map((h) => {
      const iri = h.iri || h.text;
      const label = state.labels.get(iri);
      return Object.assign({}, h, { displayText: label ? `${h.text}  ${label}` : h.text });
    });
  }

  function termCompleter(kind) {
    const builtin = Yasqe.Autocompleters[kind];
    return Object.assign({}, builtin, {
      name: kind,
      bulk: false,
      autoShow: true,
      persistenceId: null,
      get(_yasqe, token) {
        const text = typed(token);
        const lower = text.toLowerCase();
        return state.terms[kind]
          .filter((t) => t.iri.startsWith(text) || (!text.includes(":") && t.label.toLowerCase().startsWith(lower)))
          .map((t) => t.iri);
      },
      postProcessSuggestion(_yasqe, _token, suggestion) {
        return curie(suggestion);
      },
      postprocessHints(_yasqe, hints) {
        return withLabels(hints.map((h) => Object.assign(h, { iri: fullIri(h.text) })));
      },
    });
  }

  function fullIri(text) {
    const m = /^([A-Za-z][\w.-]*)?:(.*)$/.exec(text);
    if (m && (m[1] || "") in state.config.prefixes) return state.config.prefixes[m[1] || ""] + m[2];
    return text.replace(/^<|>$/g, "");
  }

  const entityCompleter = {
    name: "entities",
    bulk: false,
    autoShow: true,
    persistenceId: null,
    isValidCompletionPosition(yasqe) {
      const token = yasqe.getCompleteToken();
      return /^cgr:[^\s]+$/.test(token.string);
    },
    preProcessToken(yasqe, token) {
      return Yasqe.Autocompleters.class.preProcessToken(yasqe, token);
    },
    async get(_yasqe, token) {
      const words = (token.string || "").replace(/^cgr:/, "").replace(/[-_]/g, " ");
      if (!words.trim()) return [];
      const response = await fetch(`/search?limit=15&q=${encodeURIComponent(words)}`);
      if (!response.ok) return [];
      const data = await response.json();
      for (const hit of data.hits) {
        state.labels.set(hit.iri, `${hit.label}${hit.class ? ` (${hit.class})` : ""}`);
      }
      return data.hits.map((hit) => hit.iri);
    },
    postProcessSuggestion(_yasqe, _token, suggestion) {
      return curie(suggestion);
    },
    postprocessHints(_yasqe, hints) {
      return withLabels(hints.map((h) => Object.assign(h, { iri: fullIri(h.text) })));
    },
  };

  function registerCompleters() {
    // Replace the built-in completers that call prefix.cc and LOV.
    Yasqe.registerAutocompleter(Object.assign({}, Yasqe.Autocompleters.prefixes, {
      bulk: true,
      persistenceId: null,
      get: () => Object.entries(state.config.prefixes).map(([p, iri]) => `${p}: <${iri}>`),
    }), false);
    Yasqe.registerAutocompleter(termCompleter("class"), false);
    Yasqe.registerAutocompleter(termCompleter("property"), false);
    Yasqe.registerAutocompleter(entityCompleter, false);
    Yasqe.defaults.autocompleters = ["variables", "prefixes", "class", "property", "entities"];
  }

  async function loadTerms() {
    const query = `SELECT DISTINCT ?t ?label ?kind WHERE {
      VALUES (?type ?kind) { (owl:Class "class") (rdfs:Class "class")
        (owl:ObjectProperty "property") (owl:DatatypeProperty "property")
        (owl:AnnotationProperty "property") (rdf:Property "property") }
      GRAPH ?g { ?t a ?type ; rdfs:label ?label } FILTER(isIRI(?t)) } ORDER BY ?t`;
    const response = await fetch(`/sparql?entailment=none&query=${encodeURIComponent(query)}`, {
      headers: { Accept: "application/sparql-results+json" },
    });
    if (!response.ok) return;
    const data = await response.json();
    for (const row of data.results.bindings) {
      const iri = row.t.value;
      const kind = row.kind.value;
      if (state.terms[kind].some((t) => t.iri === iri)) continue;
      state.terms[kind].push({ iri, label: row.label.value });
      state.labels.set(iri, row.label.value);
    }
  }

  // -- named queries --------------------------------------------------------------

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
      input.placeholder = p.description || "";
      box.append(label, input);
    }
  }

  function pick(yasqe, name) {
    state.current = state.config.queries.find((q) => q.name === name) || null;
    $("named-description").textContent = state.current
      ? state.current.description || state.current.title : "";
    showParams(state.current);
    if (state.current) {
      state.shown = `${prefixLines()}\n\n${state.current.text}`;
      yasqe.setValue(state.shown);
    }
  }

  // -- running --------------------------------------------------------------------

  function request(yasqe) {
    const text = yasqe.getValue();
    const params = new URLSearchParams();
    let url = "/sparql";
    if (state.current && text === state.shown) {
      url = `/named/${encodeURIComponent(state.current.name)}`;
      for (const input of $("params").querySelectorAll("input")) {
        if (input.value !== "") params.set(input.dataset.name, input.value);
      }
    } else {
      params.set("query", text);
    }
    if (!$("entailment").checked) params.set("entailment", "none");
    return { url, params };
  }

  function percent(c) {
    return `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
  }

  // IRIs go into links: keep quotes and angle brackets out of them.
  function safeIris(text) {
    const data = JSON.parse(text);
    for (const row of (data.results && data.results.bindings) || []) {
      for (const cell of Object.values(row)) {
        if (cell.type === "uri") cell.value = cell.value.replace(/['"<>`\s]/g, percent);
      }
    }
    return data;
  }

  async function run(yasqe, yasr) {
    setStatus("running…", false);
    const started = performance.now();
    const { url, params } = request(yasqe);
    try {
      const accept = { Accept: "application/sparql-results+json, text/turtle;q=0.9" };
      const response = url === "/sparql"
        ? await fetch(url, {
          method: "POST",
          headers: Object.assign({ "Content-Type": "application/x-www-form-urlencoded" }, accept),
          body: params.toString(),
        })
        : await fetch(`${url}?${params}`, { headers: accept });
      const text = await response.text();
      const ms = Math.round(performance.now() - started);
      if (!response.ok) {
        setStatus(`${response.status}: ${text.trim()}`, true);
        yasr.setResponse({ error: { status: response.status, text: text.trim() } }, ms);
        return;
      }
      const type = (response.headers.get("Content-Type") || "").split(";")[0];
      const data = type === "application/sparql-results+json" ? safeIris(text) : text;
      yasr.setResponse({ data, contentType: type, status: response.status, executionTime: ms });
      const n = data.results ? data.results.bindings.length : null;
      setStatus(n === null ? `done in ${ms} ms` : `${n} result${n === 1 ? "" : "s"} in ${ms} ms`, false);
    } catch (err) {
      setStatus(`request failed: ${err}`, true);
    } finally {
      state.runs += 1;
      $("status").dataset.runs = String(state.runs);
    }
  }

  // Yasr's table uses column-resizer, which injects a fixed <style> element; under
  // this page's CSP (no inline styles) that is refused with a console error. Its
  // rules are in style.css instead, and an empty <style> tagged with the id it looks
  // for (the hash of its CSS text, in yasgui 4.2.28) tells it they are there. It is a
  // "style" element of another namespace: matched by the selector, never a style sheet.
  function preloadResizerStyle() {
    const style = document.createElementNS("urn:x-cartgraph:placeholder", "style");
    style.gripid = "573462389";
    document.head.append(style);
  }

  async function init() {
    preloadResizerStyle();
    const response = await fetch("/queries.json");
    state.config = await response.json();
    registerCompleters();
    const initial = `${prefixLines()}\n\nSELECT ?disease ?label WHERE {\n  ?disease a cg:Disease ;\n           rdfs:label ?label .\n}\nLIMIT 100\n`;
    const yasqe = new Yasqe($("yasqe"), {
      value: initial,
      persistenceId: null,
      showQueryButton: false,
      createShareableLink: null,
      resizeable: true,
      editorHeight: "320px",
      requestConfig: { endpoint: "/sparql", method: "POST" },
    });
    const yasr = new Yasr($("yasr"), {
      prefixes: state.config.prefixes,
      persistenceId: null,
      pluginOrder: ["table", "graph", "response"],
      defaultPlugin: "table",
    });
    yasqe.query = () => run(yasqe, yasr); // Ctrl-Enter and the Run button
    window.cartgraphEditor = { yasqe, yasr, state };
    const select = $("named");
    for (const q of state.config.queries) {
      const option = el("option", `${q.name} — ${q.title}`);
      option.value = q.name;
      select.append(option);
    }
    select.addEventListener("change", () => pick(yasqe, select.value));
    $("run").addEventListener("click", () => run(yasqe, yasr));
    $("endpoint").textContent = `${location.origin}/sparql`;
    await loadTerms();
    document.documentElement.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    init().catch((err) => setStatus(`the editor did not start: ${err}`, true));
  });
})();
