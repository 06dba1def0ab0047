# nqp — the two commands of the README:
#   make report   set up .venv if needed, build every report into reports/, print the path of reports/index.html
#   make test     set up .venv with test extras, install the Debian packages the tests need, run the whole suite
#                 (two pytest-xdist workers, one test file per worker at a time: the suite is mostly single-threaded)
# Source data are read from ../shared/data (or $NQP_DATA_ROOT); nothing is downloaded at run time.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nqp-installed
TSTAMP := $(VENV)/.nqp-test-installed
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: report test system-deps lock clean help

help:
	@echo "make report   build every report into reports/ (offline HTML)"
	@echo "make test     run the whole test suite (installs what it needs)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "nqp needs Python 3.11, found " + sys.version' 
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.lock
	$(PIP) -e .
	@touch $@

$(TSTAMP): $(STAMP)
	$(PIP) -e '.[test]'
	@touch $@

# Debian packages for the browser tests and Chinese glyphs; installed only when missing.
system-deps:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then :; else \
	  echo "installing Debian packages chromium fonts-noto-cjk"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

report: $(STAMP)
	$(BIN)/nqp build

test: $(TSTAMP) system-deps
	$(BIN)/python -m pytest -n 2 --dist loadfile --nbval-lax --timeout=900 tests notebooks

# Re-pin the whole stack after changing dependencies (updates requirements.lock and environment.yml).
lock: $(TSTAMP)
	$(BIN)/python tools/repin.py

clean:
	rm -rf reports
