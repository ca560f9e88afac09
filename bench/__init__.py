"""Benchmarks and the deterministic national-scale data generator; figures go to docs/benchmarks.md."""
