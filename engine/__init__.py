"""Sagasu engine: folders → crawl → extract → encode → align → store → search → results.

The engine never imports Qt. Entry points are plain synchronous calls that take progress and
cancel callbacks; the desktop app runs them on worker threads, the CLI and tests call them
directly.
"""

from engine.offline import keep_runtimes_offline

__version__ = "0.1.0"

# Before any engine module, or a library it loads, imports onnxruntime: its telemetry reads
# the switch at import (engine/offline.py).
keep_runtimes_offline()
