# Everything sets itself up: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSIGNMENT ?=

.PHONY: setup system test demo release validate grade bench lint format clean serve

setup: $(STAMP) system

# torch first, from the CPU wheel on disk: any other route downloads gigabytes of CUDA.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Debian packages, installed when we are root; otherwise say exactly what to install.
# $(call debian,<test that it is there>,<package>,<why>,<without it: "error" or "note">,<consequence>)
define debian
	@if ! $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $(2) (Debian package; $(3))"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "$(4): $(2) is missing$(5); install it with: sudo apt-get install $(2)"; \
	    test "$(4)" != error; \
	  fi; \
	fi
endef

system:
	$(call debian,command -v bwrap,bubblewrap,the sandbox,error,)
	$(call debian,test -x /usr/bin/chromium,chromium,the browser tests drive it through Playwright,note,: the browser tests are skipped)
	$(call debian,ls /usr/lib/postgresql/*/bin/initdb,postgresql,tests/test_postgres.py starts its own server,note,: its gradebook test is skipped)

test: setup
	$(BIN)/ruff check autograder tests
	$(BIN)/python -m pytest -q tests

release: setup
	$(BIN)/autograder release

validate: setup
	$(BIN)/autograder validate

grade: setup
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=<id>"; exit 2; }
	$(BIN)/autograder grade-all $(ASSIGNMENT)

demo: setup
	$(BIN)/python -m autograder.demo

# The course web app on the demo's workspace (made by `make demo` first), demo sign-in links printed.
serve: setup
	@test -d course/demo || $(BIN)/python -m autograder.demo
	$(BIN)/autograder serve --workspace course/demo --demo-accounts

# nbgrader (the anchor we compare with) in its own virtualenv; torch first, as above.
BENCH_VENV := .venv-bench
$(BENCH_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet torch==2.13.0
	$(BENCH_VENV)/bin/python -m pip install --quiet 'nbgrader==0.9.6' -e .
	@touch $@

bench: setup $(BENCH_VENV)/.installed
	$(BIN)/python -m autograder.bench --nbgrader-venv $(BENCH_VENV)

lint: setup
	$(BIN)/ruff check autograder tests

format: setup
	$(BIN)/ruff format autograder tests
	$(BIN)/ruff check --fix autograder tests

clean:
	rm -rf $(VENV) course
