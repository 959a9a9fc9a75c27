"""Reverie's benchmark suite: `python -m bench` measures, prints and saves JSON; never asserts."""
