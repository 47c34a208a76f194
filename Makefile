# The two commands: `make demo` builds the example institution's reports,
# `make test` runs the tests. Both set up .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EXAMPLE := data/example

.PHONY: demo test test-fast lint lab present bench browser clean example

# constraints.txt: the versions the tests passed with; setuptools from it builds the wheel offline (tests/test_wheel.py).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt setuptools
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/stresskit validate $(EXAMPLE)
	rm -f $(EXAMPLE)/stresskit.sqlite $(EXAMPLE)/stresskit.sqlite-wal $(EXAMPLE)/stresskit.sqlite-shm
	$(BIN)/stresskit answers import $(EXAMPLE) $(EXAMPLE)/answers.yaml
	$(BIN)/stresskit run $(EXAMPLE)

# Browser and PDF tests need Debian's Chromium and poppler; install them when we may (root), else they are skipped.
browser:
	@{ command -v chromium && command -v pdftotext; } >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null; } || echo "Chromium mangler: browsertestene springes over."

test: $(STAMP) browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder

# ruff: lint and formatting ([tool.ruff] in pyproject.toml); CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# the edit–test loop: no browser, no slow test (markers set in tests/conftest.py)
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder -m "not browser and not slow"

lab: $(STAMP)
	$(BIN)/stresskit lab $(EXAMPLE)

present: $(STAMP)
	$(BIN)/stresskit present $(EXAMPLE) --unit hum --notebook 3

bench: $(STAMP)
	$(BIN)/python benchmarks/foundation.py
	$(BIN)/python benchmarks/anonymity.py
	$(BIN)/python benchmarks/imports.py
	$(BIN)/python benchmarks/batch.py
	$(BIN)/python benchmarks/present.py
	$(BIN)/python benchmarks/vote.py
	$(BIN)/python benchmarks/pdf.py

example: $(STAMP)
	$(BIN)/python data/make_example.py
	$(BIN)/python data/copsoq/make_copsoq.py
	$(BIN)/python data/make_exports.py

clean:
	rm -rf reports/*/ $(EXAMPLE)/stresskit.sqlite*
