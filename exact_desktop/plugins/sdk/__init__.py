"""Worker SDK: a plugin author writes `process(image, params, context)`; this does the rest.

    from exact_desktop.plugins.sdk import main

    def process(image, params, context):
        pixels = image.read_region(0, 0, 512, 512)
        context.add_annotation("Nucleus", {"x1": 10, "y1": 10, "x2": 30, "y2": 30}, score=0.9)
        context.progress(1.0)

    if __name__ == "__main__":
        main(process, describe={"name": "My detector", "products": [...], "parameters": [...]})

The connection comes from the environment (EXACT_URL, EXACT_TOKEN or EXACT_USER/EXACT_PASSWORD,
EXACT_PLUGIN), never from argv, and works the same against an EXACT server or `exact-desktop serve`.
"""

from exact_desktop.plugins.sdk.context import Cancelled, JobContext
from exact_desktop.plugins.sdk.errors import PluginError
from exact_desktop.plugins.sdk.image import ImageHandle
from exact_desktop.plugins.sdk.worker import main, run_worker

__all__ = ["Cancelled", "ImageHandle", "JobContext", "PluginError", "main", "run_worker"]
