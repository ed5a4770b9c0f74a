# Two commands on a fresh machine: `make run` (API + bot + scheduler on embedded defaults) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install run api bot scheduler migrate test lint locales bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

locales: $(STAMP)
	@if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel compile --statistics -D messages -d locales 2>&1 | tail -n 4; fi

migrate: $(STAMP)
	$(BIN)/python -m core.db.migrate

run: $(STAMP) locales migrate
	$(BIN)/mechta run

api: $(STAMP) migrate
	$(BIN)/python -m web

bot: $(STAMP) locales migrate
	$(BIN)/python -m bot

scheduler: $(STAMP) migrate
	$(BIN)/python -m scheduler

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: $(STAMP) locales lint
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

bench: $(STAMP) locales
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
