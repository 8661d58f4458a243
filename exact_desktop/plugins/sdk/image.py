"""Pixels of one image: the local file when this machine has it, else the server's patches."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from exact_desktop.rest.connection import Connection
from exact_desktop.slides.base import SlideError, SlideSource, rgba_over_white
from exact_desktop.slides.opener import open_slide

PATCH_LIMIT = 2048  # the server refuses larger get_patch requests


class ImageHandle:
    def __init__(self, connection: Connection, record: dict[str, Any]) -> None:
        self.connection, self.record = connection, record
        self.id: int = record["id"]
        self.name: str = record["name"]
        self.width: int = record["width"]
        self.height: int = record["height"]
        self.mpp: float = record.get("mpp") or 0.0
        self._source: SlideSource | None = None
        local = record.get("local_path")
        if local and Path(local).exists():
            try:
                self._source = open_slide(local)
            except SlideError:
                self._source = None  # fall back to the server, which may read it after all

    @property
    def is_local(self) -> bool:
        return self._source is not None

    @property
    def level_downsamples(self) -> tuple[float, ...]:
        if self._source is not None:
            return self._source.level_downsamples
        info = self.connection.get(f"/api/v1/images/images/{self.id}/slide_information/")
        return tuple(info["level_downsamples"])

    def read_region(self, x: int, y: int, width: int, height: int, level: int = 0) -> np.ndarray:
        """RGB uint8 (height, width, 3); x, y in level-0 pixels, size in pixels of `level`."""
        if self._source is not None:
            return self._source.read_region((x, y), level, (width, height))
        out = np.empty((height, width, 3), np.uint8)
        ds = self.level_downsamples[level]
        for top in range(0, height, PATCH_LIMIT):
            for left in range(0, width, PATCH_LIMIT):
                w, h = min(PATCH_LIMIT, width - left), min(PATCH_LIMIT, height - top)
                where = {"x": x + round(left * ds), "y": y + round(top * ds), "level": level}
                params = {**where, "width": w, "height": h}
                answer = self.connection.request("GET", f"/api/v1/images/images/{self.id}/get_patch/", params=params)
                patch = PILImage.open(io.BytesIO(answer.content))
                out[top : top + h, left : left + w] = rgba_over_white(np.asarray(patch.convert("RGBA")))
        # beyond the image's edge a server's patch is black; a local slide reads as glass there
        inside_w = max(0, min(width, math.floor((self.width - x) / ds)))
        inside_h = max(0, min(height, math.floor((self.height - y) / ds)))
        out[inside_h:, :] = 255
        out[:, inside_w:] = 255
        return out

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
