# cvatops.aws: the two commands of the quick start are `make deploy-local` and `make test`.
# Both set themselves up (scripts/bootstrap): a Python >= 3.12 venv with the pinned toolchain.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
EMULATOR_STATE := .cache/awsemu
EMULATOR := PYTHONPATH=tests $(PY) -m awsemu
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help setup emulator emulator-stop emulator-stats deploy-local check-local teardown-local test lint sanity unit lock build clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

setup: ## Create .venv with a Python >= 3.12 and the pinned toolchain
	@scripts/bootstrap

emulator: setup ## Start the local AWS emulator (idempotent) on a free loopback port
	@$(EMULATOR) start --state-dir $(EMULATOR_STATE)

emulator-stop: ## Stop the local AWS emulator (its state is lost)
	@$(EMULATOR) stop --state-dir $(EMULATOR_STATE)

emulator-stats: ## AWS API calls the emulator has served, by service and action
	@$(EMULATOR) stats --state-dir $(EMULATOR_STATE)

deploy-local: emulator ## Deploy the whole stack into the local AWS emulator and print a summary
	@eval "$$($(EMULATOR) env --state-dir $(EMULATOR_STATE))"; \
	  $(VENV)/bin/ansible-playbook site.yml -i inventories/local $(ARGS)

check-local: emulator ## Dry-run (--check --diff) the stack against the local emulator
	@eval "$$($(EMULATOR) env --state-dir $(EMULATOR_STATE))"; \
	  $(VENV)/bin/ansible-playbook site.yml -i inventories/local --check --diff $(ARGS)

teardown-local: emulator ## Tear the local stack down, keeping its data: make teardown-local STACK=cvat-local
	@eval "$$($(EMULATOR) env --state-dir $(EMULATOR_STATE))"; \
	  $(VENV)/bin/ansible-playbook playbooks/teardown.yml -i inventories/local -e teardown_stack_name=$(STACK) $(ARGS)

test: ## Every test and gate: yamllint, ansible-lint, ansible-test sanity, pytest (unit, emulator, infra)
	@scripts/test

lint: setup ## yamllint + ansible-lint only
	@scripts/test lint

sanity: setup ## ansible-test sanity only
	@scripts/test sanity

unit: setup ## pytest only
	@scripts/test pytest

lock: ## Re-resolve requirements-dev.txt into constraints-dev.txt (needs the package index)
	@scripts/lock

build: setup ## Build the collection tarball (what Galaxy users get)
	@$(VENV)/bin/ansible-galaxy collection build --force .

clean: emulator-stop ## Remove the venv, caches and test output
	rm -rf $(VENV) .cache tests/output .pytest_cache
