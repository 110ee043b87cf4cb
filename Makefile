# Relief developer commands. `make run` and `make test` are the quick start.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# make bench SCALE=chain: the 100-therapist, four-location practice (own database).
SCALE ?= large

.PHONY: run test fuzz lint format bench bench-reminders bench-webhooks bench-export bench-booking loadtest wrk check-deploy clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Development server: SQLite under var/, web + Celery worker + beat via honcho.
run: $(VENV)/.installed
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	@echo ""
	@echo "  Relief is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops web, worker and beat)"
	@echo ""
	DJANGO_DEBUG=1 HOST=$(HOST) PORT=$(PORT) RELIEF_BASE_URL=http://$(HOST):$(PORT) \
		GUNICORN_CMD_ARGS="--reload" \
		PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile.dev

# Test suite. Set DATABASE_URL / CELERY_BROKER_URL to run against PostgreSQL / Redis.
test: $(VENV)/.installed
	$(PY) -m pytest $(ARGS)

# Many more random junk requests to every page as every persona (tests/test_fuzz.py).
fuzz: $(VENV)/.installed
	RELIEF_FUZZ_EXAMPLES=$${RELIEF_FUZZ_EXAMPLES:-60} RELIEF_FUZZ_RANDOM=1 \
		$(PY) -m pytest tests/test_fuzz.py -q $(ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Benchmarks on a large generated practice (PostgreSQL only): set DATABASE_URL.
# The first run generates the practice (minutes); later runs reuse it.
bench: $(VENV)/.installed wrk
	$(PY) -m bench.run --scale $(SCALE) $(ARGS)

# Reminder pipeline throughput: one worker, a scratch database (DATABASE_URL).
bench-reminders: $(VENV)/.installed
	$(PY) -m bench.reminders $(ARGS)

# Webhook throughput: one worker, a local HTTP receiver, a scratch database (DATABASE_URL).
bench-webhooks: $(VENV)/.installed
	$(PY) -m bench.webhooks $(ARGS)

# Practice export on the large practice: wall time and peak RSS (DATABASE_URL).
bench-export: $(VENV)/.installed
	$(PY) -m bench.export $(ARGS)

# Booking simulation, every-15-minutes vs compact slots (pure Python, no database).
bench-booking: $(VENV)/.installed
	$(PY) -m bench.booking $(ARGS)

# 50 concurrent users for 60 s, then checks for 5xx answers and double bookings.
loadtest: $(VENV)/.installed wrk
	$(PY) -m bench.load $(ARGS)

wrk:
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk (Debian package)"; \
		apt-get install -y -qq wrk >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }

check-deploy: $(VENV)/.installed
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
		DJANGO_ALLOWED_HOSTS=relief.example.com CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
		RELIEF_BASE_URL=https://relief.example.com \
		EMAIL_URL=smtp+tls://relief:secret@smtp.example.com:587 \
		$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var staticfiles
