# Parsing Service. Two commands: `make run` and `make test`.
# With DATABASE_URL / REDIS_URL set they use those; otherwise SQLite and an
# embedded Redis under var/.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test install lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py bootstrap
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py runservice

# Without REDIS_URL the tests start an embedded Redis under var/; stop it after.
test: install
	$(BIN)/python -m pytest; status=$$?; \
	[ -n "$$REDIS_URL" ] || $(BIN)/python -m parser_project.embedded_redis stop $${VAR_DIR:-var} redis-test; \
	exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf var/*.sqlite3* var/staticfiles
