# The two commands: `make demo` and `make test`. Both install what they need first
# (Debian packages from system-packages.txt, then .venv/ with the project).
.DEFAULT_GOAL := help
BIN := .venv/bin

.PHONY: help setup demo test lint bench boot-test screenshots walkthrough openapi clean

help:
	@echo "make demo   - install, then run the kiosk on its embedded defaults"
	@echo "make test   - install, then lint and run the whole test suite"
	@echo "make lint   - ruff, mypy and the layering check"
	@echo "make bench  - walkthrough timings (bench/walkthrough.py)"
	@echo "make screenshots - every screen, both languages, portrait and landscape"
	@echo "make boot-test - install a kiosk into a Debian 12 root and boot it under systemd"

setup:
	@bash scripts/setup.sh

demo: setup
	$(BIN)/kiosk demo

test: setup lint
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider tests/test_architecture.py

# Also part of `make test`; as root (systemd-nspawn). The Debian root is cached in
# /var/cache/kiosk-boot (KIOSK_BOOT_CACHE), the kiosk is installed anew each time.
boot-test: setup
	$(BIN)/pytest -v tests/test_boot.py

bench: setup
	$(BIN)/python bench/walkthrough.py

screenshots: setup
	$(BIN)/kiosk screenshots --out screenshots

openapi: setup
	$(BIN)/ministry-sandbox openapi > ministry_sandbox/openapi.json

clean:
	rm -rf .venv demo-output screenshots .pytest_cache .mypy_cache .ruff_cache .hypothesis
