"""Argument types the commands share."""

from __future__ import annotations

import argparse

MAX_PROCESSES = 64


def processes(text: str) -> int:
    """`--workers N`: a whole number of processes from 1 to 64 (`plugin run --workers -3` was
    taken, and said afterwards as every worker process having died)."""
    try:
        count = int(text)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_PROCESSES:
        raise argparse.ArgumentTypeError(f"expected a number of processes from 1 to {MAX_PROCESSES}, got {text!r}")
    return count
