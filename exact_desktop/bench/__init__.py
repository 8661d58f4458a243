"""Benchmarks behind `exact-desktop bench`: each prints one JSON object of figures."""
