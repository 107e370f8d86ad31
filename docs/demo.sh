#!/bin/sh
# The main job on the bundled graph: `make demo` runs this after installing.
# It uses the default store (./.cartgraph, or $CARTGRAPH_STORE), the same one a
# bare `cartgraph` uses afterwards, and shows each command it runs.
set -eu
CARTGRAPH=${CARTGRAPH:-.venv/bin/cartgraph}

run() {
    printf '\n$ cartgraph %s\n' "$*"
    "$CARTGRAPH" "$@"
}

cat <<'EOF'
cartgraph: a knowledge graph of CAR-T research

The story: in March 2021, University Hospital Erlangen treated the first patient
with systemic lupus erythematosus (SLE) with CD19-directed CAR T cells; the New
England Journal of Medicine reported the case on 5 August 2021. A news article
told the story too, and not every detail matches. The bundled graph keeps the
case, the hospitals, publications, studies, products and targets around it, and
every statement with the source it came from, so that disagreements show.
EOF

summary=$("$CARTGRAPH" stats | head -n 1)
printf '\nThe store %s: %s\n' "${CARTGRAPH_STORE:-./.cartgraph}" "$summary"

printf '\n1. What happened, and who says so?'
run query --name case-timeline
printf '\n2. Where do the sources disagree?'
run query --name conflicting-claims
printf '\n3. Which diseases have CD19 CAR T cells treated, as reported where?'
run query --name cd19-diseases
printf '\n4. Is any approved CAR-T product approved for SLE? (a yes/no query)'
run query --name approved-for-disease
printf '\n5. How does the case connect to the journal?'
run path cgr:case-erlangen-sle-1 cgr:nejm

mkdir -p out
printf '\n6. The whole network, as one page that works offline:'
run view -o out/cartgraph.html

cat <<'EOF'

Open out/cartgraph.html in a browser: search, filter by type, click a node for
its statements and sources.

Try next, in a new shell in this folder (the store is the same one):
  . .venv/bin/activate                         # puts cartgraph on PATH
  cartgraph queries                            # the named queries
  cartgraph query --name approved-products     # one of them
  cartgraph query 'SELECT ?s ?label WHERE { ?s a cg:Hospital ; rdfs:label ?label }'
  cartgraph neighbors cgr:case-erlangen-sle-1  # what the case is linked to
  cartgraph stats                              # what the graph holds
  cartgraph --help
EOF
