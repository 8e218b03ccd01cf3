"""Which executor an index run reads on (engine.indexing.executor): kept apart from the seam
so that Ray is imported only by a run that uses it."""

from __future__ import annotations

from engine.config import Settings
from engine.indexing.executor import Executor, LocalExecutor


def open_executor(settings: Settings, address: str) -> Executor:
    """The executor for a run: this machine for ``""``, else the Ray cluster at ``address``
    (``auto``: the one ``ray start`` runs on this machine)."""
    if not address:
        return LocalExecutor()
    from engine.indexing.ray_executor import RayExecutor

    return RayExecutor(address, settings)
