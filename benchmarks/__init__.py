"""Benchmarks for planner (SPEC 10): seeded synthetic data and the timing harness."""
