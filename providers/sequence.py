"""Sequences: filled in with sequence.enumerate."""
