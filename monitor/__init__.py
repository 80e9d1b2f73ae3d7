"""Council Monitor: early warnings about UK councils."""

__version__ = "0.1.0"
