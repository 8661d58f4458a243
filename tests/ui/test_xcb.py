"""The app on a real X server with the xcb platform a person's desktop uses (Xvfb, started here)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.conftest import BOXES_TIFF, PROJECT


@pytest.fixture
def x_display():
    """A fresh Xvfb; -displayfd makes it pick a free display number and tell us which."""
    read, write = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(write)
    with os.fdopen(read) as answer:
        number = answer.readline().strip()
    assert number, "Xvfb did not start (scripts/system-deps.sh installs it)"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def test_the_window_opens_on_xcb_and_shows_slide_pixels(x_display, tmp_path):
    shot = tmp_path / "xcb.png"
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    done = subprocess.run([sys.executable, "-m", "exact_desktop", "open", str(BOXES_TIFF), "--screenshot", str(shot)],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    red = (pixels[:, 0] > 200) & (pixels[:, 1] < 60) & (pixels[:, 2] < 60)  # boxes.tiff's red box
    blue = (pixels[:, 2] > 200) & (pixels[:, 0] < 60) & (pixels[:, 1] < 60)
    assert red.mean() > 0.05 and blue.mean() > 0.05


def test_the_gui_tests_pass_on_xcb_too(x_display):
    """Drawing, keys, docks and overlays on a real X server: focus and shortcuts behave differently there."""
    env = {**os.environ, "DISPLAY": x_display, "QT_QPA_PLATFORM": "xcb"}
    files = [
        "tests/ui/test_annotating.py",
        "tests/ui/test_main_window.py",
        "tests/ui/test_review_panel.py",  # the review's keys follow the focus, which X gives otherwise
        "tests/ui/test_layers_panel.py",
        "tests/viewer",
        "tests/plugins/test_gui_end_to_end.py",
    ]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
                          cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
