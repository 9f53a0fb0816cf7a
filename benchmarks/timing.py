"""Shared by the benchmarks: the median time of repeated runs after a warm-up."""

from __future__ import annotations

import statistics
import time


def median_seconds(run, repeats: int) -> float:
    """Call ``run`` once to warm up (tracing, allocations), then return the median of ``repeats`` timed calls."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
