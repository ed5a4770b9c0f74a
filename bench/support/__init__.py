"""Helpers shared by the benchmarks (not a benchmark itself: `make bench` runs only bench/*.py)."""
