# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
SHARED ?= ../shared
INTEROP_DIR := .cache/interop

.PHONY: demo test lint typecheck unit interop bench clean

$(VENV)/.stamp-base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e .
	touch $@

$(VENV)/.stamp-test: $(VENV)/.stamp-base pyproject.toml
	$(PIP) install -q -e '.[test]'
	touch $@

demo: $(VENV)/.stamp-base
	$(PY) examples/demo.py

# The Node harness of Digital Bazaar's libraries (interop tests); skipped when node is absent.
interop:
	@if command -v node >/dev/null 2>&1 && [ -d $(SHARED)/interop ]; then \
	  if [ ! -d $(INTEROP_DIR)/node_modules ]; then \
	    rm -rf $(INTEROP_DIR) && mkdir -p .cache && cp -r $(SHARED)/interop $(INTEROP_DIR) && \
	    chmod -R u+w $(INTEROP_DIR) && (cd $(INTEROP_DIR) && npm ci --no-audit --no-fund --loglevel=error) \
	    || { rm -rf $(INTEROP_DIR); echo "WARNING: npm ci of the interop harness failed; interop tests will be skipped"; }; \
	  fi; \
	else echo "interop: node or $(SHARED)/interop missing; interop tests will be skipped"; fi

lint: $(VENV)/.stamp-test
	$(VENV)/bin/ruff check src tests benchmarks examples

typecheck: $(VENV)/.stamp-test
	$(VENV)/bin/mypy

# COMPILE=1 builds the canonicalization fast path with mypyc (setup.py, VCPORTABLE_COMPILE):
# `make COMPILE=1 test` tests and `make COMPILE=1 bench` measures what a compiled install runs
# (docs/performance.md). The default is pure Python; either build removes the other's traces
# (an extension left in src/ would shadow its .py source).
COMPILE ?= 0
SOURCES = setup.py $(shell find src -name '*.py')
BUILD := $(VENV)/.stamp-build-$(COMPILE)

$(VENV)/.stamp-build-0: $(VENV)/.stamp-test
	find src -name '*.so' -delete
	rm -f $(VENV)/.stamp-build-1
	touch $@

$(VENV)/.stamp-build-1: $(VENV)/.stamp-test $(SOURCES)
	rm -f $(VENV)/.stamp-build-0
	VCPORTABLE_COMPILE=1 $(PIP) install -q --no-deps -e .
	touch $@

# The fast run, then the slow ones (big differential canonicalization, server scale-out) and
# the Digital Bazaar harness, so that no test runs twice.
unit: $(BUILD) interop
	VCPORTABLE_COMPILE=$(COMPILE) VCPORTABLE_INTEROP_DIR=$(abspath $(INTEROP_DIR)) $(PY) -m pytest -q -m "not slow and not node"
	VCPORTABLE_COMPILE=$(COMPILE) VCPORTABLE_INTEROP_DIR=$(abspath $(INTEROP_DIR)) $(PY) -m pytest -q -m "slow or node"

test: lint typecheck unit

bench: $(BUILD) interop
	VCPORTABLE_INTEROP_DIR=$(abspath $(INTEROP_DIR)) $(PY) benchmarks/run.py --seconds 2

clean:
	rm -rf $(VENV) .cache build dist .pytest_cache .mypy_cache .ruff_cache
	find src -name '*.so' -delete
