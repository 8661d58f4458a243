"""A plugin on the SDK that adds `count` boxes in a loop: the "nothing lost" test plugin."""

from __future__ import annotations

import time

from exact_desktop.plugins.sdk import main

DESCRIBE = {
    "name": "Many boxes",
    "author": "exact-desktop tests",
    "products": [{"name": "Many box", "vector_type": 1, "color_code": "#AA00AA"}],
    "parameters": [
        {"name": "count", "type": "int", "default": 6000, "min": 1, "max": 1000000},
        {"name": "pause_s", "type": "float", "default": 0.0, "min": 0.0, "max": 10.0,
         "help": "sleep after each 100 boxes (makes a job slow enough to kill in the middle)"},
    ],
}  # fmt: skip


def process(image, params, context):
    count, pause = int(params.get("count", 6000)), float(params.get("pause_s", 0.0))
    for i in range(count):
        x, y = (i * 7) % max(1, image.width - 8), (i * 13) % max(1, image.height - 8)
        context.add_annotation("Many box", {"x1": x, "y1": y, "x2": x + 6, "y2": y + 6}, score=(i % 100) / 100)
        if (i + 1) % 100 == 0:
            context.progress((i + 1) / count)
            if pause:
                time.sleep(pause)


if __name__ == "__main__":
    main(process, DESCRIBE)
