"""Stop signals as an exception, so a command that supervises workers can end them and mark its
jobs before it exits (the default SIGTERM ends the process at once and orphans its workers)."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


class StopSignal(KeyboardInterrupt):
    """Raised on the main thread when a stop signal arrives; exits as a shell expects (128 + N)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Inside: a stop signal raises StopSignal; a second one while that is being handled waits
    (ignored), so the clean-up it started is not cut short."""

    def handler(signum: int, _frame: object) -> None:
        for each in STOP_SIGNALS:
            signal.signal(each, signal.SIG_IGN)
        raise StopSignal(signum)

    before = {each: signal.signal(each, handler) for each in STOP_SIGNALS}
    try:
        yield
    finally:
        for each, previous in before.items():
            signal.signal(each, previous)
