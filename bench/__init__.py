"""Benchmarks: `make bench` (python -m bench.run). Ratios against a bare view in the same run."""
