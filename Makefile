# Sagasu developer entry points. `make demo` sets everything up on a fresh machine and runs
# the main job on the bundled samples; `make test` runs the whole suite (what CI runs).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_DATA := .sagasu-demo

.PHONY: setup demo test test-fast lint desktop lock

setup: $(VENV)/.installed

# Exact versions and hashes from requirements.lock (every machine, CI included, runs the same
# libraries); the project itself is installed on top without resolving anything again.
# --no-deps: the lock is complete, and it leaves out opencv-python on purpose (rapidocr asks
# for it, but its GUI build would shadow opencv-python-headless: docs/DESKTOP.md).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
		-r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

# Refresh the lock after changing dependencies in pyproject.toml (pip-tools, in its own venv).
lock:
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check pip-tools
	.lock-venv/bin/pip-compile --quiet --generate-hashes --unsafe-package opencv-python \
		--strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev --extra team --output-file requirements.lock \
		pyproject.toml

demo: setup
	$(VENV)/bin/sagasu index --data-dir $(DEMO_DATA) resources/samples
	$(VENV)/bin/sagasu search --data-dir $(DEMO_DATA) "relay module for 5 V"
	$(VENV)/bin/sagasu search --data-dir $(DEMO_DATA) 温度センサ
	$(VENV)/bin/sagasu search --data-dir $(DEMO_DATA) --image resources/samples/photos/relay-board.jpg
	$(VENV)/bin/sagasu status --data-dir $(DEMO_DATA)

lint: setup
	$(VENV)/bin/ruff check engine desktop tests benchmarks packaging
	$(VENV)/bin/ruff format --check engine desktop tests benchmarks packaging
	$(VENV)/bin/mypy

# Fast tests first so a broken basic fails in seconds; then the slow ones (real models).
test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow" -q
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m slow -q

test-fast: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not slow" -q

desktop: setup
	$(VENV)/bin/sagasu-desktop
