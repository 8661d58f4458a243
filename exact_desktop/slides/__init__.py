"""Slide sources behind one small interface, plus the tile pyramid, cache and loader.

Imports nothing of ours but `model`, and no Qt.
"""

from exact_desktop.slides.base import SlideError, SlideSource
from exact_desktop.slides.opener import open_slide

__all__ = ["SlideError", "SlideSource", "open_slide"]
