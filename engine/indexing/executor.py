"""Where an index run's reading (and, on a cluster, encoding) happens: the executor seam.

The indexer crawls, plans and commits on the calling process (the *head*) and hands each
file's work to an :class:`Executor`: "run this task function on these files" and "encode
these texts". Its answers are the same typed events whichever executor runs them
(engine.indexing.pool: :class:`Chunk` per payload, then :class:`Done` or :class:`Failed`), and
the head commits each file as its events arrive. :class:`LocalExecutor` is the worker
processes of this machine (:class:`ExtractPool`, encoders on the calling thread);
engine.indexing.ray_executor.RayExecutor runs the same task functions, and the encoders, on
the machines of a Ray cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol

from engine.config import Settings
from engine.indexing.pool import ExtractPool, PoolEvent, WorkLimits
from engine.types import CancelCheck

if TYPE_CHECKING:
    import numpy as np

    from engine.encode.encoders import Encoders

TaskFn = Callable[[Any, Settings], Iterator[Any]]


class TaskRunner(Protocol):
    """Runs one task function over numbered tasks (ExtractPool is one)."""

    def __enter__(self) -> TaskRunner: ...

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def run(
        self, tasks: Iterable[tuple[int, Any]], cancel: CancelCheck
    ) -> Iterator[PoolEvent[Any]]:
        """Events for ``tasks`` until all are done or ``cancel()`` turns true (then nothing
        more is reported for the tasks in hand)."""
        ...


class TextEncoding(Protocol):
    """What the text-vector tier needs of a sentence encoder (TextEncoder is one)."""

    @property
    def space_id(self) -> str: ...

    def encode(self, texts: list[str]) -> np.ndarray: ...


class Executor(Protocol):
    """Reads files (and encodes) for one index run; closed when the run ends."""

    # True when the visual tier's items come back with their picture and text vectors
    # (encoded where they were read), so the head encodes nothing of them.
    encodes: bool

    def runner(
        self, fn: TaskFn, settings: Settings, workers: int, limits: WorkLimits, *, encode: bool
    ) -> TaskRunner:
        """A runner of ``fn`` (a module-level task function of engine.indexing.extract_task);
        ``encode``: its items are to be encoded where they are read, when this executor
        encodes (the visual tier's)."""
        ...

    def text_encoder(self, encoders: Encoders) -> TextEncoding | None:
        """The sentence encoder the text-vector tier uses (None: no sentence model)."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """This machine: extraction in worker processes, encoding on the calling thread."""

    encodes = False

    def runner(
        self, fn: TaskFn, settings: Settings, workers: int, limits: WorkLimits, *, encode: bool
    ) -> TaskRunner:
        pool: ExtractPool[Any, Any] = ExtractPool(fn, settings, workers, limits)
        return pool

    def text_encoder(self, encoders: Encoders) -> TextEncoding | None:
        return encoders.text()

    def close(self) -> None:
        pass
