"""Outline from a box: the object a box was drawn around, by GrabCut (OpenCV) on the box's
pixels at the box's scale.

The box and a margin of a tenth around it are read at a downsample that makes the margin's
longer side at most WORK_SIDE pixels (level 0 for a nucleus, a coarser level for a region), so
a region costs about what a nucleus does. GrabCut learns the colours outside the box as
background and those inside as the object; the piece it keeps is the largest connected one.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import shapely
from shapely.geometry import Polygon

from exact_desktop.annotating.displayed import DisplayedImage
from exact_desktop.model import regions
from exact_desktop.model.geometry import Rect

WORK_SIDE = 256  # pixels: the longer side GrabCut works on (320: twice the time, the same outlines)
MARGIN = 0.1  # of the box, on each side: the background GrabCut learns from
ITERATIONS = 3
MIN_SIDE = 6  # pixels at the working scale: a smaller box has nothing to outline


def reading_for(box: Rect) -> tuple[Rect, float]:
    """The level-0 region to read for `box` (with its margin) and the downsample to read it at."""
    mx, my = MARGIN * box.w, MARGIN * box.h
    region = Rect(box.x - mx, box.y - my, box.w + 2 * mx, box.h + 2 * my)
    return region, max(1.0, max(region.w, region.h) / WORK_SIDE)


def outline_of(image: DisplayedImage, box: Rect) -> Polygon | None:
    """The outline (level-0 pixels) of what lies in `box`, or None when there is no object."""
    ds = image.downsample
    x0, y0 = math.floor((box.x - image.x0) / ds), math.floor((box.y - image.y0) / ds)
    x1, y1 = math.ceil((box.right - image.x0) / ds), math.ceil((box.bottom - image.y0) / ds)
    height, width = image.rgb.shape[:2]
    x0, y0, x1, y1 = max(1, x0), max(1, y0), min(width - 1, x1), min(height - 1, y1)
    if x1 - x0 < MIN_SIDE or y1 - y0 < MIN_SIDE:
        return None
    mask = np.zeros((height, width), np.uint8)
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    bgr = np.ascontiguousarray(image.rgb[..., ::-1])
    try:
        cv2.grabCut(bgr, mask, (x0, y0, x1 - x0, y1 - y0), background, foreground, ITERATIONS, cv2.GC_INIT_WITH_RECT)
    except cv2.error:  # one colour only: nothing to tell apart
        return None
    found = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(found, connectivity=4)
    if count < 2:
        return None
    found = (labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))).astype(np.uint8)
    contours, _ = cv2.findContours(found, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contour = max(contours, key=cv2.contourArea)
    if len(contour) < 3:
        return None
    polygon = Polygon(image.to_l0(contour[:, 0, :] + 0.5)).simplify(0.5 * ds, preserve_topology=True)
    pieces = regions.pieces_of(polygon if polygon.is_valid else shapely.make_valid(polygon))
    return pieces[0] if pieces else None
