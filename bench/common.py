"""Helpers shared by the benchmarks: timing, peak memory, result files."""

from __future__ import annotations

import json
import platform
import resource
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Return the best wall time of several runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def peak_rss_mib() -> float:
    """Return this process's peak resident memory in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def report(name: str, figures: dict) -> dict:
    """Print the figures and keep them in bench/results/<name>.json."""
    RESULTS.mkdir(exist_ok=True)
    payload = {"benchmark": name, "python": platform.python_version(), **figures}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
    width = max(len(k) for k in figures)
    print(f"== {name}")
    for key, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else value
        print(f"  {key:<{width}}  {shown}")
    return payload
