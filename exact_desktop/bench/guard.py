"""The benchmark guard: each figure of a run against its row of docs/performance.json.

A figure more than 25 % worse than its table value is reported, and the guard exits 1. Figures
that are ratios of two things measured in the same run (`insert_ratio`, `overhead_ratio`, ...)
hold on any machine; plain times move with the machine's speed and load, and are marked so.
A quick run (`--quick`) is compared with the table's quick values only, since its figures are
scaled up from fewer objects. `--record` writes the run's figures into the table instead, and
the table's figures into docs/performance.md (below its MARKER line).

    python -m exact_desktop.bench.guard docs/performance.json [--quick] [--record] RESULT.json ...
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORSE_BY = 0.25


@dataclass(frozen=True)
class Verdict:
    benchmark: str
    figure: str
    table: float
    now: float
    worse_by: float  # how much worse than the table, as a fraction (negative: better)
    machine_free: bool

    @property
    def regressed(self) -> bool:
        return self.worse_by > WORSE_BY

    def line(self) -> str:
        kind = "holds on any machine" if self.machine_free else "moves with the machine"
        verdict = "WORSE" if self.regressed else "ok"
        return (f"{verdict:5} {self.benchmark}.{self.figure}: {self.now:g} against {self.table:g} "
                f"({self.worse_by:+.0%} worse; {kind})")  # fmt: skip


def compare(table: dict[str, Any], results: list[dict[str, Any]], quick: bool) -> list[Verdict]:
    """Every figure of `results` that the table has a value for (the quick value for a quick run)."""
    found = []
    column = "quick" if quick else "value"
    for result in results:
        rows = table["benchmarks"].get(result.get("benchmark"), {}).get("figures", {})
        for figure, row in rows.items():
            then, now = row.get(column), _number(result, figure)
            if then is None or now is None or then == 0:
                continue
            worse = (now - then) / then if row["better"] == "lower" else (then - now) / then
            found.append(Verdict(result["benchmark"], figure, then, now, worse, bool(row.get("machine_free"))))
    return found


def record(table: dict[str, Any], results: list[dict[str, Any]], quick: bool, machine: str) -> None:
    """The run's figures as the table's values (quick ones as its quick values), dated."""
    today = datetime.date.today().isoformat()
    for result in results:
        bench = table["benchmarks"].get(result.get("benchmark"))
        if bench is None:
            continue
        for figure, row in bench["figures"].items():
            now = _number(result, figure)
            if now is None:
                continue
            if quick:
                row["quick"] = now
            else:
                row.update(value=now, date=today, machine=machine)


MARKER = "<!-- The tables below are written from docs/performance.json by scripts/bench.sh --record. -->"


def markdown(table: dict[str, Any]) -> str:
    """One table per benchmark: each figure with its value, aim, date and machine."""
    parts = []
    for name, bench in table["benchmarks"].items():
        lines = [f"### {name}", "", f"`{bench['command']}`", "",
                 "| figure | value | aim | quick | date | machine |", "|---|---|---|---|---|---|"]  # fmt: skip
        for figure, row in bench["figures"].items():
            way = "at most " if row["better"] == "lower" else "at least "
            aim = "" if row.get("aim") is None else way + _g(row["aim"])
            note = f" ({row['note']})" if row.get("note") else ""
            lines.append(f"| `{figure}`{note} | {_g(row.get('value'))} | {aim} | {_g(row.get('quick'))} | "
                         f"{row.get('date') or ''} | {row.get('machine') or ''} |")  # fmt: skip
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write_markdown(table: dict[str, Any], path: Path) -> None:
    """The tables below the MARKER line of `path`; the text above it is kept."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    head = text.split(MARKER)[0].rstrip("\n")
    path.write_text(f"{head}\n\n{MARKER}\n\n{markdown(table)}", encoding="utf-8")


def _g(value: Any) -> str:
    if value is None:
        return ""
    whole = isinstance(value, int) or (float(value).is_integer() and abs(value) >= 1000)
    return f"{int(value):,}" if whole else f"{value:g}"


def _number(result: dict[str, Any], figure: str) -> float | None:
    value = result.get(figure)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m exact_desktop.bench.guard", description=__doc__.split("\n")[0])
    parser.add_argument("table", type=Path)
    parser.add_argument("results", type=Path, nargs="*")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--record", action="store_true", help="write the figures into the table")
    parser.add_argument("--markdown", type=Path, metavar="MD", help="write the table's figures into MD too")
    args = parser.parse_intermixed_args(argv)
    table = json.loads(args.table.read_text(encoding="utf-8"))
    results = []
    for path in args.results:
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as err:
            print(f"guard: {path}: no figures ({err})", file=sys.stderr)
    if args.record:
        record(table, results, args.quick, _machine())
        args.table.write_text(json.dumps(table, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"guard: recorded {len(results)} benchmarks into {args.table}")
    if args.markdown:
        write_markdown(table, args.markdown)
    if args.record or args.markdown:
        return 0
    verdicts = compare(table, results, args.quick)
    for verdict in verdicts:
        print(verdict.line())
    worse = [v for v in verdicts if v.regressed]
    missing = len(args.results) - len(results)
    print(f"guard: {len(verdicts)} figures compared, {len(worse)} more than {WORSE_BY:.0%} worse, "
          f"{missing} benchmarks without figures")  # fmt: skip
    return 1 if worse or missing else 0


if __name__ == "__main__":
    sys.exit(main())
