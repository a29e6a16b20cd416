# Two commands on a fresh clone: `make crawl` and `make test`. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
PORTALS ?= all
CRAWL_ARGS ?=

.PHONY: help install crawl test test-fast lint format bench demo browse clean

help:
	@echo "make crawl   incremental crawl of PORTALS=$(PORTALS) into data/antara.db"
	@echo "make test    the whole test suite (offline)"
	@echo "make lint    ruff check + format check"
	@echo "make bench   benchmarks, printed as ratios against baselines measured in the same run"
	@echo "make demo    crawl the offline mirror into data/demo.db and query it"
	@echo "make browse  browse data/antara.db read-only with Datasette"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalled whenever pyproject.toml changes (the stamp is older than it).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,analysis]'
	touch $(STAMP)

install: $(STAMP)

crawl: $(STAMP)
	$(BIN)/scrapy crawl antara -a portals=$(PORTALS) $(CRAWL_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not postgres and not redis"

lint: $(STAMP)
	$(BIN)/ruff check antara_crawler tests bench
	$(BIN)/ruff format --check antara_crawler tests bench

format: $(STAMP)
	$(BIN)/ruff format antara_crawler tests bench
	$(BIN)/ruff check --fix antara_crawler tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

demo: $(STAMP)
	$(BIN)/python -m tests.site.demo

browse: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,analysis,browse]'
	$(BIN)/datasette serve --immutable $(or $(DB),data/antara.db) --metadata docs/datasette.json --port $(or $(PORT),8001)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
