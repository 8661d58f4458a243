"""Work off the GUI thread: a slow read (a server, a plugin's description) runs on a thread of
its own and its answer comes back to the GUI thread, where widgets may be touched."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Answer(QObject):
    arrived = Signal(object)


def in_background(owner: QObject, work: Callable[[], Any], then: Callable[[Any], None],
                  failures: tuple[type[Exception], ...], name: str = "background") -> None:  # fmt: skip
    """Runs `work` on a new thread; `then` gets what it returned, or the message of one of the
    `failures` it raised, on the GUI thread. An answer that arrives after `owner` was closed
    and deleted goes nowhere."""
    answer = _Answer(owner)  # a child: deleted with the owner
    answer.arrived.connect(then)
    answer.arrived.connect(answer.deleteLater)

    def run() -> None:
        try:
            outcome: Any = work()
        except failures as err:
            outcome = str(err)
        with contextlib.suppress(RuntimeError):  # the owner and its answer are gone: nobody waits
            answer.arrived.emit(outcome)

    threading.Thread(target=run, name=name, daemon=True).start()
