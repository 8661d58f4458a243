"""Imports every module below the window and the viewer with PySide6 unimportable.

The import contracts see only imports they can read; this sees what happens when Python runs
them: a module that reaches Qt (however indirectly, at import time) fails here, as it would on a
plugin worker or a server without Qt installed. Run by scripts/test.sh; takes seconds.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

sys.modules["PySide6"] = None  # type: ignore[assignment]  # `import PySide6...` now raises ImportError

import exact_desktop  # noqa: E402 - after the blocker, on purpose

WITH_QT = ("exact_desktop.ui", "exact_desktop.viewer")  # the two packages allowed Qt
BENCHMARKS = "exact_desktop.bench"  # measure the viewer and the window too, so may reach Qt
NOT_MODULES = ("exact_desktop.store.sqlite.migrations",)  # Alembic runs these itself, inside a migration
SCRIPT = "exact_desktop.__main__"


def below_the_window() -> list[str]:
    names = [info.name for info in pkgutil.walk_packages(exact_desktop.__path__, "exact_desktop.")]
    skipped = (*WITH_QT, BENCHMARKS, *NOT_MODULES)
    return sorted(n for n in names if n != SCRIPT and not any(n == s or n.startswith(f"{s}.") for s in skipped))


def main() -> int:
    failed = []
    names = below_the_window()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            failed.append(f"{name}:\n{traceback.format_exc(limit=-3)}")
    for failure in failed:
        print(failure, file=sys.stderr)
    print(f"no-Qt lane: {len(names) - len(failed)} of {len(names)} modules import without PySide6", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
