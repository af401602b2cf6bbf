# Quick start: `make demo` (set up what is missing, run the demo audit, print the report path) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo demo-broken demo-quantic test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
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

bench: setup
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/check_speed.py
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(VENV) checker/demo/node_modules checker/demo/quantic/dist reports/2*
