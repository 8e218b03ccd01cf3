"""Keep third-party runtimes off the network: Sagasu goes online only to fetch weights.

onnxruntime (RapidOCR's runtime, also loaded by PyMuPDF) ships Microsoft's 1DS telemetry on
Linux too since 1.32: at import it starts a thread that looks up ``mobile.events.data.
microsoft.com`` and queues events under ``~/.cache/Microsoft/DeveloperTools``. Its
``disable_telemetry_events()`` alone does not stop that thread (measured with strace on 1.32);
the ``ORT_DISABLE_TELEMETRY`` environment variable does, but only when it is set *before*
``import onnxruntime``. So ``engine/__init__.py`` sets it as the package loads, before any
engine module (or a library the engine imports) can import onnxruntime, and
:func:`import_onnxruntime` calls the API switch as well (it also turns off Windows' ETW
events). ``tests/test_offline.py`` checks every socket call of an index and a search.
"""

from __future__ import annotations

import os
from types import ModuleType

TELEMETRY_OFF = {"ORT_DISABLE_TELEMETRY": "1"}


def keep_runtimes_offline() -> None:
    """Set the environment that switches off the runtimes' telemetry (read at their import).
    Set, not defaulted: the product promises no network use, whatever the environment."""
    os.environ.update(TELEMETRY_OFF)


def import_onnxruntime() -> ModuleType:
    """``onnxruntime`` with its telemetry off; raises ImportError when it is not installed."""
    keep_runtimes_offline()
    import onnxruntime as runtime

    disable = getattr(runtime, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    module: ModuleType = runtime
    return module
