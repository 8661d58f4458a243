#!/usr/bin/env bash
# Installs exact-desktop and opens the demo (builds the synthetic slides the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
exec .venv/bin/exact-desktop demo "$@"
