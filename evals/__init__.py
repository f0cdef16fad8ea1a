"""Offline evaluations of the tutor's retrieval against public benchmarks (BEIR)."""
