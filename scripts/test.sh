#!/usr/bin/env bash
# Installs exact-desktop with its test tools and runs lint and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports  # the layers of ARCHITECTURE.md, as import contracts in pyproject.toml
.venv/bin/mypy  # strict types on the Qt-free core ([tool.mypy] in pyproject.toml)
.venv/bin/python scripts/no_qt_lane.py  # everything below the window and the viewer imports without PySide6
QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
