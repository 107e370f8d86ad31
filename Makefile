# The two commands of the README:
#   make demo   install, then run the main job on the bundled graph
#   make test   install (with test tools and Debian's chromium), then run every test
# Both create ./.venv on first use; nothing else on the machine is changed except
# Debian packages the tests need (chromium, virtuoso-opensource, tesseract-ocr),
# installed when missing.
#
# make test runs pytest on every core (pytest-xdist; PYTEST_WORKERS=0 for one
# process). A tool the tests need that is missing fails the run; to leave tools
# out on purpose: CARTGRAPH_SKIP=browser,oxigraph,virtuoso,ocr make test (any of them).
# pytest's exit code 5 (no tests collected) fails the run like any other. Tests
# that share one costly server can stay on one worker: @pytest.mark.xdist_group("name").

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PYTEST_WORKERS ?= auto

# true when CARTGRAPH_SKIP names the tool ($(call opted_out,browser))
opted_out = printf '%s\n' "$$CARTGRAPH_SKIP" | tr ', ' '\n\n' | grep -qx $(1)

.PHONY: demo test install install-test chromium virtuoso ocr lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'

chromium:
	@$(call opted_out,browser) || test -x /usr/bin/chromium || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

virtuoso:
	@$(call opted_out,virtuoso) || command -v virtuoso-t >/dev/null || { \
	  echo "installing Debian's virtuoso-opensource for the remote-store tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null; }

ocr:
	@$(call opted_out,ocr) || command -v tesseract >/dev/null || { \
	  echo "installing Debian's tesseract-ocr for the view's OCR test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr >/dev/null; }

demo: install
	@CARTGRAPH=$(BIN)/cartgraph sh docs/demo.sh

test: install-test chromium virtuoso ocr
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	@$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --maxprocesses 8 --dist loadgroup || { code=$$?; \
	  [ $$code -ne 5 ] || echo "make test: pytest collected no tests" >&2; exit $$code; }

lint: install-test
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) out .cartgraph .pytest_cache .mypy_cache .ruff_cache
