# Two commands on a fresh clone: `make crawl` and `make test`. Each installs what it needs into .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The extras a crawl uses (`make crawl` installs only these); `make test` adds the test and benchmark tools (`dev`).
CRAWL_EXTRAS := distributed analysis
DEV_EXTRAS := dev $(CRAWL_EXTRAS)
CRAWL_STAMP := $(VENV)/.installed-crawl
DEV_STAMP := $(VENV)/.installed-dev
comma := ,
empty :=
space := $(empty) $(empty)
extras = $(subst $(space),$(comma),$(strip $(1)))
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

# Each stamp is remade whenever pyproject.toml changes (the stamp is older than it). The dev install holds the crawl
# extras too, so it renews the crawl stamp.
$(CRAWL_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(call extras,$(CRAWL_EXTRAS))]'
	touch $(CRAWL_STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[$(call extras,$(DEV_EXTRAS))]'
	touch $(DEV_STAMP) $(CRAWL_STAMP)

install: $(DEV_STAMP)

crawl: $(CRAWL_STAMP)
	$(BIN)/scrapy crawl antara -a portals=$(PORTALS) $(CRAWL_ARGS)

test: $(DEV_STAMP)
	$(BIN)/python -m pytest

test-fast: $(DEV_STAMP)
	$(BIN)/python -m pytest -m "not e2e and not postgres and not redis"

lint: $(DEV_STAMP)
	$(BIN)/ruff check antara_crawler tests bench
	$(BIN)/ruff format --check antara_crawler tests bench

format: $(DEV_STAMP)
	$(BIN)/ruff format antara_crawler tests bench
	$(BIN)/ruff check --fix antara_crawler tests bench

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

demo: $(DEV_STAMP)
	$(BIN)/python -m tests.site.demo

browse: $(DEV_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[$(call extras,$(DEV_EXTRAS) browse)]'
	$(BIN)/datasette serve --immutable $(or $(DB),data/antara.db) --metadata docs/datasette.json --port $(or $(PORT),8001)

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
