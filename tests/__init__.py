"""Fractafrag test suite."""
