"""Benchmarks: every figure is a ratio against the floor of the stack, measured in the same run."""
