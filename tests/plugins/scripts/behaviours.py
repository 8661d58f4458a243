"""Test plugins on the SDK whose behaviour is chosen by the job parameter `mode`."""

from __future__ import annotations

import os
import time

import numpy as np

from exact_desktop.plugins.sdk import main

DESCRIBE = {
    "name": "Behaviours",
    "products": [{"name": "Spot", "vector_type": 1}, {"name": "Outline", "vector_type": 5}],
    "parameters": [
        {
            "name": "mode",
            "type": "str",
            "default": "boxes",
            "choices": ["boxes", "crash", "hang", "invalid", "slow", "raise", "heatmap", "nan", "chatty", "threads"],
        },
        {"name": "count", "type": "int", "default": 3, "min": 1, "max": 100000},
    ],
}


def process(image, params, context):
    mode = params["mode"]
    if mode == "crash":
        print("about to crash hard", file=__import__("sys").stderr, flush=True)
        os._exit(3)
    if mode == "hang":
        time.sleep(3600)
    if mode == "raise":
        raise RuntimeError("the model file is missing")
    if mode == "heatmap":  # a left-to-right ramp over the whole image
        ramp = np.tile(np.linspace(0, 1, 64), (32, 1))
        context.add_bitmap(ramp, {"x": 0, "y": 0, "w": image.width, "h": image.height}, name="ramp", entry="heat")
    if mode == "invalid":
        context.add_annotation("Outline", {"x1": 0, "y1": 0, "x2": 5, "y2": 5}, score=0.5)  # 2 nodes: not a polygon
        context.flush()  # the refusal comes back here, and fails the job
    if mode == "chatty":  # says on stdout what a worker says when it is done: the queue must not believe it
        print('{"idle": true}', flush=True)
        os.write(1, b'{"idle": true}\n')
    if mode == "nan":  # a division by zero in a plugin's geometry
        context.add_annotation("Spot", {"x1": 0, "y1": 0, "x2": float("nan"), "y2": 5})
    if mode == "threads":  # the thread pools its numeric libraries have, in the result's meta_data
        from threadpoolctl import threadpool_info

        pools = {pool["user_api"]: pool["num_threads"] for pool in threadpool_info()}
        context.add_annotation("Spot", {"x1": 0, "y1": 0, "x2": 4, "y2": 4}, meta_data={"pools": pools})
        return
    steps = params["count"]
    for i in range(steps):
        context.add_annotation("Spot", {"x1": i, "y1": i, "x2": i + 4, "y2": i + 4}, score=(i + 1) / steps)
        context.progress((i + 1) / steps)
        if mode in ("slow", "chatty"):
            time.sleep(0.05)


if __name__ == "__main__":
    main(process, DESCRIBE)
