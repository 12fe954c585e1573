# eventmap — every target sets up what it needs: `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
GAZETTEER := geodata/gazetteer/data/gazetteer.sqlite
GAZETTEER_INPUTS := $(wildcard geodata/gazetteer/data/*.tsv geodata/gazetteer/data/*.parquet geodata/gazetteer/data/*.toml) geodata/gazetteer/build.py
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
STORE ?= eventmap-store
PORT ?=

.PHONY: install data vendor run test package-test bench train lint format chromium screenshot clean

$(STAMP): pyproject.toml
	@# Create the virtual environment and install eventmap with its dev tools and the Dask engine.
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask]'
	touch $(STAMP)

install: $(STAMP)

$(GAZETTEER): $(STAMP) $(GAZETTEER_INPUTS)
	@# Build the embedded gazetteer from installed packages and the shipped data files (~30 s).
	$(BIN)/eventmap gazetteer build

data: $(GAZETTEER)

vendor: $(STAMP)
	@# Fetch pinned, checksummed browser assets (Leaflet, plugins) from npm into dashboard/vendor/.
	$(BIN)/python scripts/vendor_assets.py

run: data vendor
	@# Set everything up, ingest the demo corpus (idempotent) and serve the dashboard on 127.0.0.1:8050
	@# (another port: make run PORT=8051).
	$(BIN)/eventmap ingest examples --store $(STORE)
	$(BIN)/eventmap serve --store $(STORE)$(if $(PORT), --port $(PORT))

chromium:
	@# Debian's Chromium drives the browser tests (no browser download).
	@command -v chromium >/dev/null 2>&1 || ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver >/dev/null)

test: data vendor chromium
	@# Every test, browser tests included.
	$(BIN)/python -m pytest -q

package-test: vendor chromium
	@# Build the sdist and wheel, install the wheel into a fresh venv in a temporary folder (and with
	@# pipx), then run ingest, events, export-html --offline and serve there with the network refused.
	$(BIN)/python -m pytest -q -m package --durations=10 tests/test_package.py

bench: data vendor chromium
	@# Benchmarks print medians and ratios against baselines measured in the same run; the ingest
	@# fuzz (last) fails when a hostile file crashes ingest.
	$(BIN)/python bench/bench_gazetteer.py
	$(BIN)/python bench/bench_geoparse.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_dask.py
	$(BIN)/python bench/eval_events.py
	$(BIN)/python bench/bench_export.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_online_guard.py
	$(BIN)/python bench/fuzz_ingest.py

GEOBENCH ?= ../shared/geobench

train: data
	@# Rebuild the event classifier's weights (geodata/lang/en/event_model.json) from the hand labels in
	@# bench/data (train split + our own sentences); the corpus text comes from $(GEOBENCH), never the repo.
	$(BIN)/python bench/data/events_v2.py training-set --geobench $(GEOBENCH) -o build/events_train.jsonl
	$(BIN)/eventmap train build/events_train.jsonl

screenshot: data vendor chromium
	@# The README's picture: the demo corpus exported as a static map, rendered in Chromium.
	$(BIN)/eventmap ingest examples --store $(STORE)
	$(BIN)/python scripts/screenshot_export.py --store $(STORE)

lint: $(STAMP)
	@# Style and static checks.
	$(BIN)/ruff check geodata dashboard tests bench scripts setup.py
	$(BIN)/ruff format --check geodata dashboard tests bench scripts setup.py

format: $(STAMP)
	$(BIN)/ruff format geodata dashboard tests bench scripts setup.py
	$(BIN)/ruff check --fix geodata dashboard tests bench scripts setup.py

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache test-output $(GAZETTEER) geodata/gazetteer/data/basemap.geojson
