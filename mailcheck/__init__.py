"""mailcheck: why mail did not arrive, and what to change."""

__version__ = "0.1.0"
