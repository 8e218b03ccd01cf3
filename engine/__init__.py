"""Sagasu engine: folders → crawl → extract → encode → align → store → search → results.

The engine never imports Qt. Entry points are plain synchronous calls that take progress and
cancel callbacks; the desktop app runs them on worker threads, the CLI and tests call them
directly.
"""

__version__ = "0.1.0"
