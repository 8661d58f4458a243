"""Shift+0-4 (EXACT's keys): set or take off the image's global label of that number, whatever
the keyboard layout makes of Shift and a digit: '!' on a US layout, '"' or '§' on a German one,
the digit itself on a French one. The digit row is recognised by its native key where the
platform gives one, else by the key Qt reports (a digit, or a US layout's shifted one)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

# EXACT's Shift+0-4 only: Shift+6 is '^' on a US layout, screening's key
_US_SHIFTED = {
    Qt.Key.Key_ParenRight.value: 0,
    Qt.Key.Key_Exclam.value: 1,
    Qt.Key.Key_At.value: 2,
    Qt.Key.Key_NumberSign.value: 3,
    Qt.Key.Key_Dollar.value: 4,
}
_X_KEYCODES = {19: 0, 10: 1, 11: 2, 12: 3, 13: 4}  # the number row's X keycodes (evdev + 8): xcb, wayland
_MAC_KEYCODES = {0x1D: 0, 0x12: 1, 0x13: 2, 0x14: 3, 0x15: 4}  # kVK_ANSI_0 ... kVK_ANSI_4
TYPING = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)  # widgets whose keys are text, not commands


def shifted_digit(event: QKeyEvent, platform: str) -> int | None:
    """The digit 0-4 of a Shift+digit key press on the number row or keypad, else None."""
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if modifiers != Qt.KeyboardModifier.ShiftModifier:
        return None
    key = event.key()
    if Qt.Key.Key_0.value <= key <= Qt.Key.Key_4.value:
        return key - Qt.Key.Key_0.value
    native: int | None = None
    if platform in ("xcb", "wayland"):
        native = _X_KEYCODES.get(event.nativeScanCode())
    elif platform == "windows":
        vk = event.nativeVirtualKey()  # VK_0 ... VK_9 whatever the layout and Shift
        native = vk - 0x30 if 0x30 <= vk <= 0x34 else None
    elif platform == "cocoa":
        native = _MAC_KEYCODES.get(event.nativeVirtualKey())
    return native if native is not None else _US_SHIFTED.get(key)


class LabelKeys(QObject):
    """Watches the application's key presses in `window` (not while a text is typed) and calls
    `toggle(digit)` for Shift+0-4."""

    def __init__(self, window: QWidget, toggle: Callable[[int], None]) -> None:
        super().__init__(window)
        self.window, self.toggle = window, toggle
        QGuiApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() != QEvent.Type.KeyPress or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self.window or isinstance(watched, TYPING):
            return False
        digit = shifted_digit(event, QGuiApplication.platformName())  # type: ignore[arg-type]
        if digit is None:
            return False
        self.toggle(digit)
        return True
