# The two commands a newcomer needs: `make run` and `make test` (see README).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install lint bench clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo_data
	DEBUG=$${DEBUG:-true} $(PY) manage.py create_demo_users
	@# A task worker beside the server renders large committee packs; it stops with the server.
	DEBUG=$${DEBUG:-true} $(PY) manage.py run_worker --interval 2 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-true} $(PY) manage.py runserver 127.0.0.1:8000

# The whole suite, once on SQLite and once on a throwaway PostgreSQL server.
test: $(STAMP)
	$(VENV)/bin/lint-imports
	@# The browser tests' HTML checker (vnu.jar) and axe-core, pinned: installed once per version
	@# into .vnu/ and .axe-core/.
	$(PY) -m tests.html_checker
	$(PY) -m tests.axe_core
	$(PY) -m tests.run_all

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	$(PY) -m bench.pdf
	$(PY) -m bench.pages
	$(PY) -m bench.load

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles test-artifacts .pgtest .vnu .axe-core
