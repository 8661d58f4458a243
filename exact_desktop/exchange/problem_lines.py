"""Bad features said once per reason: 3,000 features of one unknown class made 3,000 identical
lines (20 of them shown, "and 2,980 more"), where a person needs one line and the way out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from exact_desktop.exchange.plan import Problem

_TYPES_SHOWN = 12
_NUMBERS_SHOWN = 3


def unknown_type(quoted: str, types: Iterable[str]) -> str:
    """The reason for a class that is no type here, naming the types there are."""
    names = sorted(types, key=str.casefold)
    listed = ", ".join(names[:_TYPES_SHOWN]) + (", ..." if len(names) > _TYPES_SHOWN else "")
    there = f"its types: {listed}" if names else "it has no annotation types"
    return f"class {quoted} is not a type of this image set ({there})"


def problem_lines(problems: Sequence[Problem], limit: int) -> list[str]:
    """One line per distinct reason, in the file's order: the feature itself when it is alone
    ("feature 5 ...: reason"), else how many and the first numbers; at most `limit` lines,
    the last saying how many more reasons there are."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.reason, []).append(problem)
    lines = []
    for reason, group in groups.items():
        if len(group) == 1:
            lines.append(f"feature {group[0]}")
            continue
        numbers = ", ".join(str(p.index + 1) for p in group[:_NUMBERS_SHOWN])
        more = ", ..." if len(group) > _NUMBERS_SHOWN else ""
        lines.append(f"{len(group):,} features ({numbers}{more}): {reason}")
    if len(lines) > limit:
        lines[limit - 1 :] = [f"... and {len(lines) - limit + 1:,} more reasons"]
    return lines
