# The two commands of the README:
#   make demo   install, then run the main job on the bundled graph
#   make test   install (with test tools and Debian's chromium), then run every test
# Both create ./.venv on first use; nothing else on the machine is changed except
# Debian's chromium package, which the browser tests need (installed when missing).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STORE  := out/store

.PHONY: demo test install install-test chromium virtuoso lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

virtuoso:
	@command -v virtuoso-t >/dev/null || { \
	  echo "installing Debian's virtuoso-opensource for the remote-store tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; }

demo: install
	@mkdir -p out
	$(BIN)/cartgraph --store $(STORE) stats
	$(BIN)/cartgraph --store $(STORE) queries
	$(BIN)/cartgraph --store $(STORE) query --name cd19-diseases
	$(BIN)/cartgraph --store $(STORE) query --name case-publications
	$(BIN)/cartgraph --store $(STORE) query --name conflicting-claims
	$(BIN)/cartgraph --store $(STORE) path cgr:case-erlangen-sle-1 cgr:nejm
	$(BIN)/cartgraph --store $(STORE) view -o out/cartgraph.html

test: install-test chromium virtuoso
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out .cartgraph .pytest_cache .mypy_cache .ruff_cache
