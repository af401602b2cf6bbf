# Quick start: `make demo` (set up what is missing, run the demo audit, print the report path) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-broken demo-quantic test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/case-assist-check setup

demo: setup
	$(BIN)/case-assist-check demo

demo-broken: setup
	-$(BIN)/case-assist-check demo --broken

demo-quantic: setup
	$(BIN)/case-assist-check demo --quantic
	-$(BIN)/case-assist-check demo --quantic --broken

test: setup
	$(BIN)/python -m pytest -q

# the tests that need no browser (tests/unit, and those marked no_browser elsewhere), with a lighter fuzz: under a minute
.PHONY: test-fast
test-fast: setup
	FUZZ_EXAMPLES=25 $(BIN)/python -m pytest -q -m no_browser

# the code's own hygiene, as CI checks it: formatting, lint rules, types, the stages' import contract
lint: $(STAMP)
	$(BIN)/ruff format --check checker tests benchmarks
	$(BIN)/ruff check checker tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: setup
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/check_speed.py
	$(BIN)/python benchmarks/per_event.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) checker/demo/node_modules checker/demo/quantic/dist reports/2*
