"""Offline replica of globalresearch.ca used by tests, the demo and benchmarks."""
