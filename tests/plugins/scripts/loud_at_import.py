"""A plugin that prints, when its module is imported, the lines a warm worker says to its queue."""

from __future__ import annotations

import os

from tests.plugins.scripts.behaviours import process

print('{"ready": true}', flush=True)
print('{"idle": true}', flush=True)
os.write(1, b'{"idle": true}\n')

DESCRIBE = {
    "name": "Loud at import",
    "products": [{"name": "Spot", "vector_type": 1}],
    "parameters": [{"name": "mode", "type": "str", "default": "boxes"}, {"name": "count", "type": "int", "default": 3}],
}
__all__ = ["DESCRIBE", "process"]
