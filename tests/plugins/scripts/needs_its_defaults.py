"""A plugin that reads its parameters without defaults of its own: the documented contract is
that `process` gets them with the manifest's defaults filled in, however its worker was started."""

from __future__ import annotations

from exact_desktop.plugins.sdk import main

DESCRIBE = {
    "name": "Needs its defaults",
    "author": "exact-desktop tests",
    "products": [{"name": "Default box", "vector_type": 1, "color_code": "#00AAAA"}],
    "parameters": [{"name": "count", "type": "int", "default": 40, "min": 1, "max": 1000}],
}


def process(image, params, context):
    for i in range(params["count"]):
        context.add_annotation("Default box", {"x1": i, "y1": i, "x2": i + 6, "y2": i + 6}, score=0.5)
    context.progress(1.0)


if __name__ == "__main__":
    main(process, DESCRIBE)
