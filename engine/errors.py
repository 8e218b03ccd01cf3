"""The engine's user-facing errors share one base: their message says what went wrong and
what to do, in words a person can act on, so a client shows it as it is (the CLI as one
line, the window in its message area) instead of a traceback."""

from __future__ import annotations


class SagasuError(Exception):
    """An error whose message is meant for the user."""


class IndexBusy(SagasuError):
    """Another process is indexing this data directory."""
