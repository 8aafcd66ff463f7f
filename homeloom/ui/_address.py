"""Where the dashboard listens unless told otherwise (read by the command-line client too,
which must not load the web server to learn it)."""

from __future__ import annotations

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8470
