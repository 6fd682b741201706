"""Benchmarks behind `make bench`; results are written to BENCHMARKS.md, never asserted in tests."""
