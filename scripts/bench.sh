#!/usr/bin/env bash
# Runs every benchmark (or those named) and compares each figure with docs/performance.json:
# any figure more than 25 % worse is reported, and the script exits 1.
#   scripts/bench.sh [--quick] [--record] [TARGET ...]
# --quick: small sizes that run in seconds; --record: write the figures into the table and
# docs/performance.md instead of comparing. Each run's JSON is kept in $BENCH_OUT (default: a
# new folder under /tmp, printed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=() record=() targets=()
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick) ;;
        --record) record=(--record --markdown docs/performance.md) ;;
        -*) echo "bench.sh: unknown option $arg" >&2; exit 2 ;;
        *) targets+=("$arg") ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(store annotate api sync viewer overlay tools review plugins plugins-quality learn)
[ -x .venv/bin/exact-desktop ] || bash scripts/venv.sh
out="${BENCH_OUT:-$(mktemp -d /tmp/exact-desktop-bench.XXXXXX)}"
mkdir -p "$out"
results=()
for target in "${targets[@]}"; do
    echo "bench.sh: $target ${quick[*]}" >&2
    started=$SECONDS
    if QT_QPA_PLATFORM=offscreen .venv/bin/exact-desktop bench "$target" --json "${quick[@]}" >"$out/$target.json"; then
        echo "bench.sh: $target took $((SECONDS - started)) s" >&2
    else
        echo "bench.sh: $target failed (exit $?)" >&2
    fi
    results+=("$out/$target.json")
done
echo "bench.sh: figures in $out (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
exec .venv/bin/python -m exact_desktop.bench.guard docs/performance.json "${quick[@]}" "${record[@]}" "${results[@]}"
