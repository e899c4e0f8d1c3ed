# Two commands do everything on a fresh machine (Python 3.11+, a C compiler, PyPI):
#   make run    set up .venv with what the pipeline needs and run it on the offline default
#   make test   set up .venv with the test tools and peers too, run `make check`, install the
#               Debian packages the other tests need (as root; otherwise it says the command),
#               then every other test
# and one for every change:
#   make check  linters and the fast tests (no Snakemake run, root, browser, TensorBoard, SLURM
#               cluster, TensorFlow or full-size data): about a minute
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
# the build reads these: a change to any of them reinstalls (and recompiles the C extensions)
BUILD_INPUTS := pyproject.toml setup.py $(wildcard src/embedlab/*/*.c src/embedlab/*/*.h)
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: setup setup-test system-packages run check test lint report report-zip bench docs clean

setup: $(RUN_STAMP)
setup-test: $(TEST_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(RUN_STAMP): $(BUILD_INPUTS) | $(BIN)/python
	$(PIP) install -e '.[workflow]'
	touch $@

$(TEST_STAMP): $(BUILD_INPUTS) | $(BIN)/python
	$(PIP) install -e '.[workflow,dev]'
	touch $@ $(RUN_STAMP)

system-packages:
	@bash tests/system-packages.sh

run: setup
	$(BIN)/snakemake --cores all

report: setup
	$(BIN)/snakemake --cores all --report results/report.html

# the form the Snakemake docs recommend for large reports: unzip it and open report/report.html
report-zip: setup
	$(BIN)/snakemake --cores all --report results/report.zip

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile workflow/rules

# Python keeps the compiled test modules (pytest's rewritten asserts) and package modules between
# runs, also where the environment says not to (PYTHONDONTWRITEBYTECODE): every test process and
# job would compile them again. (__pycache__/ is ignored by git.)
check test: export PYTHONDONTWRITEBYTECODE :=

# The tests not marked slow (tests/conftest.py says what the tiers hold); they keep both cores
# busy, so two workers; one that runs out of tests takes some of the other's queue (worksteal),
# so that neither waits alone at the end.
check: lint
	$(BIN)/python -m pytest -m "not slow" -n 2 --dist worksteal

# Then the slow ones. Four workers on two cores: much of it waits (Snakemake's job polling, the
# SLURM queue, the browser), so the waits overlap; each shared run is built once for all, and
# the longest chains start first (tests/conftest.py). The tests that run TensorFlow in the test
# process share one worker (their xdist_group), which imports it once.
test: check system-packages
	$(BIN)/python -m pytest -m slow -n 4 --dist loadgroup --no-loadscope-reorder

bench: setup-test
	$(BIN)/python bench/parse_glove.py

docs: setup
	$(BIN)/python -m embedlab.common.config_docs > config/README.md

clean:
	rm -rf .snakemake results resources logs benchmarks
