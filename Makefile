# The two front-door commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

SHELL := /bin/bash
.PHONY: run test install install-dev launcher lint typecheck pytest db-start db-stop demo clean

# A virtualenv with the project (for `make run`), and its dev tools on top (for `make test`);
# each redone when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e .
	@touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed
install-dev: $(BIN)/.installed-dev

# The Neo4j launcher, built by Maven once and again only when its sources change.
launcher: neo4j-launcher/target/neo4j-launcher.jar
neo4j-launcher/target/neo4j-launcher.jar: neo4j-launcher/pom.xml $(shell find neo4j-launcher/src -name '*.java')
	mvn -B -q -f neo4j-launcher/pom.xml package -DskipTests
	@touch $@

run: install launcher
	$(BIN)/registry db start
	$(BIN)/registry db migrate
	$(BIN)/registry demo load
	$(BIN)/registry serve --host $(HOST) --port $(PORT)

test: install-dev launcher lint typecheck pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install-dev
	$(BIN)/pyright

pytest: install-dev launcher
	$(BIN)/pytest $(PYTEST_ARGS)

db-start: install launcher
	$(BIN)/registry db start

db-stop: install
	$(BIN)/registry db stop

demo: install
	$(BIN)/registry demo load

clean:
	rm -rf $(VENV) neo4j-launcher/target .pytest_cache .ruff_cache
