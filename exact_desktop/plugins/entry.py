"""Runs a `module:function` plugin as a worker process: python -m exact_desktop.plugins.entry MOD:FUNC [--describe]

The module's DESCRIBE dict is its manifest; the function is its `process(image, params, context)`.
"""

from __future__ import annotations

import importlib
import sys

from exact_desktop.plugins.sdk import main


def load(spec: str) -> tuple[object, dict[str, object]]:
    module_name, _, function = spec.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, function or "process"), dict(getattr(module, "DESCRIBE", {}))


if __name__ == "__main__":
    process, describe = load(sys.argv.pop(1))
    main(process, describe)  # type: ignore[arg-type]
