# Each target installs what it needs into .venv; only Python 3.11+ is required.
PYTHON ?= python3
# Another virtualenv already installed may stand in: make run VENV=/path/to/venv -o /path/to/venv/.installed
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test lint bench migrate client council browser

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[embedded,dev]'
	touch $(INSTALLED)

# make run HOST=0.0.0.0 PORT=8001   (the API's address; 127.0.0.1:8000 by default)
run: $(INSTALLED)
	$(PY) -m services.stack.run

test: $(INSTALLED) browser
	$(PY) -m pytest

# The docs page's test drives a real browser (tests/integration/test_docs_offline.py): Debian's chromium, installed
# where missing (apt-get needs root; without it, the test says what is missing).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "chromium is missing and apt-get could not install it: the browser test will fail" >&2

bench: $(INSTALLED)
	$(PY) -m bench.ingest
	$(PY) -m bench.assessment_batch
	$(PY) -m bench.outcome_batch
	$(PY) -m bench.matching
	$(PY) -m bench.push
	$(PY) -m bench.statements
	$(PY) -m bench.national_recompute
	$(PY) -m bench.load
	$(PY) -m bench.read_floor
	$(PY) -m bench.ssda903_import
	$(PY) -m bench.web_pages

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

migrate: $(INSTALLED)
	$(VENV)/bin/alembic upgrade head

# make council CODE=HERTS NAME="Hertfordshire"
# make client COUNCIL=HERTS KIND=admin NAME="Data team"   (KIND: case_management, provider, bi, admin)
# make client COUNCIL=DEMO KIND=provider NAME="Finance" PROVIDER=DEMO-PROV-01   (a provider client's organisation)
council: $(INSTALLED)
	$(PY) -m services.cli create-council "$(CODE)" "$(NAME)"

client: $(INSTALLED)
	$(PY) -m services.cli create-client "$(COUNCIL)" "$(KIND)" "$(NAME)" $(if $(PROVIDER),--provider "$(PROVIDER)")
