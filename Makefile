# Quick start: `make run` (demo) and `make test`. Both need only Python 3.11.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run demo test lint bench check clean

$(STAMP): requirements.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (set PYTHON=...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m oncall serve

demo: $(STAMP)
	$(PY) -m oncall demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m oncall check --strict
	$(PY) -m pytest -q -n 4 --dist worksteal

lint: $(STAMP)
	$(VENV)/bin/ruff check .

check: $(STAMP)
	$(PY) -m oncall check --strict

bench: $(STAMP)
	$(PY) bench/bench_routing.py
	$(PY) bench/bench_webhooks.py --floor
	$(PY) bench/bench_paging.py
	$(PY) bench/bench_api.py
	$(PY) bench/bench_policy_save.py
	$(PY) bench/bench_live_reload.py
	$(PY) bench/bench_feeds.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
