# Two commands do everything on a fresh machine (Python 3.11+, a C compiler):
#   make run    set up .venv and run the pipeline on the offline default (config/config.yaml)
#   make test   set up .venv and run linters and the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test lint report bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml src/embedlab/_textparse.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[workflow,dev]'
	touch $@

run: setup
	$(BIN)/snakemake --cores all

report: setup
	$(BIN)/snakemake --cores all --report results/report.html

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules

test: lint
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/parse_glove.py

clean:
	rm -rf .snakemake results resources logs benchmarks
