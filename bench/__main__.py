"""Run every benchmark: `make bench` (or `python -m bench NAME` for one)."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "bench_resolution",
    "bench_table_import",
    "bench_placement",
    "bench_search",
    "bench_passports",
]


def main(names: list[str]) -> None:
    for name in names or BENCHMARKS:
        importlib.import_module(f"bench.{name}").run()


if __name__ == "__main__":
    main(sys.argv[1:])
