"""Standard output whose failure to write is told apart from the command's own.

`exact-desktop plugin list > /dev/full`: the command did its work and its answer could not be
written (ENOSPC, at a print or at the last flush). That is said in one line, where the command's
own failures to write its files keep their own words (or are faults)."""

from __future__ import annotations

from typing import Any, TextIO


class OutputRefusedError(OSError):
    """Standard output refused what was written to it (a full device); a reader that has gone
    stays a BrokenPipeError."""


class GuardedOutput:
    """A text stream (sys.stdout) whose write or flush raises `OutputRefusedError` where it failed."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputRefusedError(err.errno, err.strerror) from err

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise OutputRefusedError(err.errno, err.strerror) from err

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
