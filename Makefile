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

# bubblewrap is the sandbox; Debian's package, installed when we are root.
system:
	@if ! command -v bwrap >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing bubblewrap (Debian package)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	  else \
	    echo "error: bubblewrap is missing; install it with: sudo apt-get install bubblewrap"; exit 1; \
	  fi; \
	fi
	@if ! test -x /usr/bin/chromium; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing chromium (Debian package; the browser tests drive it through Playwright)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "note: chromium is missing, the browser tests are skipped; install it with: sudo apt-get install chromium"; \
	  fi; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing postgresql (Debian package; tests/test_postgres.py starts its own server)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else \
	    echo "note: PostgreSQL is missing, its gradebook test is skipped; install it with: sudo apt-get install postgresql"; \
	  fi; \
	fi

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
