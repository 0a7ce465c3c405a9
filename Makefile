# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: demo test install dev bench fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[dev]'
	bash scripts/setup-test-tools
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/ringfence scan examples/three-tier --fail-on none

test: dev
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/check

# Every benchmark, with its peer in the same run where it has one (docs/benchmarks*.md say what each measures).
bench: dev
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/cache_bench.py
	$(BIN)/python benchmarks/iam_bench.py
	$(BIN)/python benchmarks/access_bench.py
	$(BIN)/python benchmarks/network_bench.py
	$(BIN)/python benchmarks/logs_bench.py
	$(BIN)/python benchmarks/cfn_bench.py
	$(BIN)/python benchmarks/k8s_bench.py

# The long fuzz campaign: the hostile corpus in every output format, the property tests, the soak (docs/reliability.md).
fuzz: dev
	$(BIN)/python scripts/fuzz

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
