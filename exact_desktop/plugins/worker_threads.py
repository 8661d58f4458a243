"""How many threads each worker's numeric libraries may start: the worker processes' share of the
cores, one core left to the window and the embedded API (the queue's own size leaves it too).

OpenBLAS, MKL and OpenMP start a thread per core in every process that loads them, and OpenBLAS's
threads spin for a while after each call. A nuclei job's worker spent 5 s of a second core so
(13.6 s of CPU for 8.4 s of its own thread; with one thread 8.6 s) on the core the embedded API
stores its results on, and finished no sooner: on a busy machine (load 4-5) later, 14.5 s
against 10.6 s with one thread (the bare call, alternated, medians of 3). Dask's and Ray's
workers are started with one thread each for the same reason. A variable the person has set in
the environment is left as it is.
"""

from __future__ import annotations

import os

THREAD_VARIABLES = (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)  # fmt: skip


def threads_per_worker(workers: int) -> int:
    """The cores but one shared among `workers` worker processes, at least one each."""
    return max(1, ((os.cpu_count() or 2) - 1) // max(1, workers))


def thread_env(workers: int) -> dict[str, str]:
    """The variables that bound each of `workers` workers' numeric thread pools, those the
    environment does not set already."""
    threads = str(threads_per_worker(workers))
    return {name: threads for name in THREAD_VARIABLES if name not in os.environ}
