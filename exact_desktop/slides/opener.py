"""Opening a slide file: OpenSlide for the formats it knows, OpenCV for plain images; the one
place that knows every source (so `base.py` knows none of them)."""

from __future__ import annotations

from pathlib import Path

from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.slides.openslide_source import OpenSlideSource, openslide_format
from exact_desktop.slides.plain_image import PlainImageSource


def open_slide(path: str | Path) -> SlideSource:
    """Open with OpenSlide when it knows the format, else as a plain image through OpenCV.

    Raises SlideError (with the file and the reason) for anything that cannot be shown,
    including files that open but fail to decode: a first read happens here, not in the viewer.
    """
    path = Path(path)
    if not path.exists():
        raise SlideError(path, "file not found")
    if path.is_dir():
        raise SlideError(path, "is a folder, not a slide file")
    if not path.is_file():  # a FIFO or a device would block the first read for ever
        raise SlideError(path, "is not a regular file (a pipe or a device?)")
    if openslide_format(path) is not None:
        source: SlideSource = OpenSlideSource(path)
    else:
        source = PlainImageSource(path)
    try:
        source.get_thumbnail(64)  # prove that pixels decode
    except SlideError:
        source.close()
        raise
    return source
