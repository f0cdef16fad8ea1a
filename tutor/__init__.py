"""Spark Tutor: notes in, grounded answers out."""
