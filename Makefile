# portalwatch: two commands for a new user, `make demo` and `make test`.
# Everything is installed into .venv; Chromium comes from Playwright's download where it can,
# else from Debian's `chromium` package (as root), else PORTALWATCH_CHROMIUM names one.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

# Keep Prefect's state in the clone, and keep every tool offline-friendly.
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export GX_ANALYTICS_ENABLED := False
export DO_NOT_TRACK := 1
# A first start of Prefect's temporary server migrates its database: give it time on small machines.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120

.PHONY: install browser demo test bench serve sample deploy lock clean help

help:
	@echo "make demo   install, then audit one night of the bundled sample portal"
	@echo "make test   install, then run the whole test suite"
	@echo "make serve  run the nightly audit (01:30) and morning delivery (07:05) from this machine"
	@echo "make sample serve the sample portal on a loopback port"
	@echo "make deploy deploy the flows to the Prefect server at PREFECT_API_URL (deployments/README.md)"
	@echo "make bench  run the benchmarks and write BENCHMARKS.md"
	@echo "make lock   pin constraints.txt to the newest versions pyproject.toml allows"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "portalwatch needs Python 3.11 or newer")'
	@# A venv that a failed attempt left without pip (no python3-venv) is made again.
	@$(PY) -m pip --version >/dev/null 2>&1 || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "'$(PYTHON) -m venv' failed: on Debian or Ubuntu, install the python3-venv package"; exit 1; }; }
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $(STAMP)

install: $(STAMP) browser

browser: $(STAMP)
	@if [ -n "$$PORTALWATCH_CHROMIUM" ]; then \
		echo "Chromium: $$PORTALWATCH_CHROMIUM (PORTALWATCH_CHROMIUM)"; \
	elif command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then \
		echo "Chromium: $$(command -v chromium || command -v chromium-browser) (system package)"; \
	elif $(VENV)/bin/playwright install chromium >/dev/null 2>&1; then \
		echo "Chromium: Playwright's own build"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Playwright cannot download Chromium here: installing Debian's chromium package"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "No Chromium: run 'sudo apt-get install chromium' (or '.venv/bin/playwright install chromium'), or set PORTALWATCH_CHROMIUM"; \
		exit 1; \
	fi

demo: install
	$(VENV)/bin/portalwatch demo

test: install
	$(PY) -m pytest

bench: install
	$(PY) -m benchmarks

# Reports to PREFECT_API_URL when set, else to a temporary local Prefect server that lives as long as it.
serve: install
	$(PY) -m flows.serve

sample: install
	$(VENV)/bin/portalwatch sample serve

# Deploy deployments/prefect.yaml to the Prefect server at PREFECT_API_URL: the work pool if it is
# missing, every deployment of the file (their schedules active, as the file says), and the
# automation that marks a run Crashed when its worker dies. PORTALWATCH_HOME, where the workers
# have their checkout, defaults to this one.
deploy: install
	@test -n "$$PREFECT_API_URL" || { echo "PREFECT_API_URL is not set: give the Prefect server to deploy to, e.g. PREFECT_API_URL=http://prefect-host:4200/api make deploy"; exit 2; }
	@echo "Deploying to $$PREFECT_API_URL; workers run the checkout at $${PORTALWATCH_HOME:-$(CURDIR)}"
	@$(VENV)/bin/prefect work-pool inspect portalwatch >/dev/null 2>&1 || $(VENV)/bin/prefect work-pool create portalwatch --type process
	PORTALWATCH_HOME=$${PORTALWATCH_HOME:-$(CURDIR)} $(VENV)/bin/prefect --no-prompt deploy --all --prefect-file deployments/prefect.yaml
	$(PY) -m flows.automations

# A throwaway venv resolves pyproject.toml's ranges afresh; constraints.txt gets what it installed.
LOCK_VENV := .lock-venv
lock:
	rm -rf $(LOCK_VENV) && $(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --disable-pip-version-check '.[test]'
	{ sed -n '/^#/p' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude portalwatch; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf $(LOCK_VENV) build
	@echo "constraints.txt pins what pyproject.toml allows today: run 'make test' before committing it"

clean:
	rm -rf out .prefect .pytest_cache
