"""Turning uploaded files into searchable, embedded chunks."""
