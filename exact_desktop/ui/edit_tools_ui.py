"""The Tools menu: the keys that lend the annotator an edit tool (EXACT's s, g, d), and the
status bar line through which the tools say what they did or why they did nothing."""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QMenu

from exact_desktop.annotating import reshape
from exact_desktop.annotating.annotator import Annotator
from exact_desktop.annotating.tools.base import Tool
from exact_desktop.annotating.tools.brush import BrushTool
from exact_desktop.annotating.tools.outline import OutlineTool
from exact_desktop.annotating.tools.polygon_edit import GlueTool, KnifeTool, ScissorTool
from exact_desktop.annotating.tools.wand import WandTool
from exact_desktop.store.base import StoreError

# EXACT's keys for its polygon edit tools (its screening viewer's d and s only apply there);
# the brush is p, not QuPath's b, which is EXACT's "active type to the background"; the wand is
# QuPath's w (EXACT's w only moves in its screening viewer); o outlines from a box
TOOL_KEYS: tuple[tuple[type[Tool], str], ...] = (
    (ScissorTool, "S"), (GlueTool, "G"), (KnifeTool, "D"), (BrushTool, "P"), (WandTool, "W"), (OutlineTool, "O"),
)  # fmt: skip
_SAID_MS = 10_000
SIMPLIFY_PX = 1.0  # screen pixels: Simplify moves no vertex farther than this at the zoom shown
SMOOTH_STEP_PX = 3.0  # screen pixels between the resampled vertices Smooth works on


class EditToolsUi:
    def __init__(self, window: QMainWindow, annotator: Annotator, add_action: object) -> None:
        self.window, self.annotator = window, annotator
        self.menu = QMenu("&Tools", window)
        bar = window.menuBar()
        bar.insertMenu(bar.actions()[-1], self.menu)  # before Help
        self.actions = {}
        for kind, key in TOOL_KEYS:
            action = add_action(kind.title, lambda _c=False, k=kind: self.use(k), key)  # type: ignore[operator]
            self.menu.addAction(action)
            self.actions[kind.name] = action
        self.menu.addSeparator()
        for title, operation in (
            ("Fill holes", reshape.fill_holes),
            ("Simplify outline", lambda area: reshape.simplify(area, SIMPLIFY_PX * annotator.downsample)),
            ("Smooth outline", lambda area: reshape.smooth(area, SMOOTH_STEP_PX * annotator.downsample)),
        ):
            action = add_action(title, lambda _c=False, t=title, o=operation: self.reshape(t, o))  # type: ignore[operator]
            self.menu.addAction(action)
            self.actions[title] = action
        annotator.told.connect(self._told)

    def reshape(self, title: str, operation: object) -> None:
        try:
            self.say(self.annotator.reshape_selected(title, operation))  # type: ignore[arg-type]
        except (StoreError, ValueError) as err:
            self.say(f"{title} refused: {err}")

    def use(self, kind: type[Tool]) -> None:
        self.say(self.annotator.use(kind))

    def say(self, text: str) -> None:
        self.window.statusBar().showMessage(text, _SAID_MS)

    def _told(self, _sender: object, text: str = "") -> None:
        self.say(text)
