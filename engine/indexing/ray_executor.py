"""Reading and encoding on a Ray cluster: :class:`RayExecutor` (engine.indexing.executor).

Why Ray core actors, not Ray Data: the head must commit each file as its result arrives, in
one transaction, and decide per file what a lost worker means (retry, then a typed skip);
Ray Data's unit is a block of rows flowing between operators, with its own retries and
ordering, and it would hide both. Why actors, not plain tasks: an actor is a worker process
that keeps its encoders loaded (MiniLM, CLIP: seconds to load), so they load once per
worker, not once per file.

One Reader actor (engine.indexing.ray_reader) per CPU of each node (``num_cpus=1``; a
node's GPUs are shared among its actors through ``num_gpus``, and the encoders then run on
CUDA). A reader runs the
same task functions as the local worker processes (engine.indexing.extract_task) on one file
at a time and, for the visual tier, encodes the file's pictures (CLIP) and text chunks
(MiniLM) where it read them; the head receives the same typed records plus their vectors and
commits them. Files are read from their path on the worker: every worker must see the shared
drive under the path the head crawled.

A reader process that dies mid-file (killed, out of memory, its node lost) loses only that
file's reading: Ray restarts the actor (it gets no work until it answers again) and the file
is handed out again, to any usable reader, up to
``ray_task_attempts`` times, then it is skipped with the typed reason ``WORKER_DIED``. A file's
result is reported at most once, so it is committed once (and the commit itself replaces
any older version of the path: Catalog.replace_file). ``extract_file_seconds`` bounds a
file's reading (the reader is killed and restarted); ``extract_stall_seconds`` does not apply,
since a reader sends its file's pages in one answer.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import ray
from ray.exceptions import RayError, RayTaskError

from engine.config import Settings
from engine.indexing.executor import TaskFn, TaskRunner, TextEncoding
from engine.indexing.pool import Chunk, Done, Failed, PoolEvent, WorkLimits
from engine.indexing.ray_reader import Outcome, RayUnavailable, Readers
from engine.messages import Reason, ReasonCode, reason
from engine.types import CancelCheck

if TYPE_CHECKING:
    from engine.encode.encoders import Encoders

log = logging.getLogger(__name__)

POLL_SECONDS = 0.05  # how often cancel and the time limit are checked while nothing arrives
CONNECT_SECONDS = 5.0  # how long the cluster's address may take to answer


@dataclass
class _Call:
    """A file handed to a reader."""

    number: int
    task: Any
    reader: int  # its index in the executor's readers
    attempts: int = 1
    started: float = 0.0


class RayExecutor:
    """The readers of a Ray cluster, for one index run (see the module's documentation)."""

    encodes = True

    def __init__(self, address: str, settings: Settings) -> None:
        self.address = address
        self.settings = settings
        self.attempts = max(1, settings.ray_task_attempts)
        self._owns_connection = not ray.is_initialized()
        if self._owns_connection:
            _connect(address)
        self._readers: Readers | None = None

    @property
    def readers(self) -> Readers:
        """Started with the first file to read: a run with nothing to read starts none."""
        if self._readers is None:
            self._readers = Readers(self.settings)
        return self._readers

    def runner(
        self, fn: TaskFn, settings: Settings, workers: int, limits: WorkLimits, *, encode: bool
    ) -> TaskRunner:
        """Every reader of the cluster reads (``workers`` is this machine's count: unused;
        ``settings`` are the readers' own, given when they started)."""
        return RayRunner(self, fn, limits, encode)

    def text_encoder(self, encoders: Encoders) -> TextEncoding | None:
        space = self._ask(lambda reader: reader.text_space.remote())
        return RemoteText(self, space) if space else None

    def close(self) -> None:
        """Stop the readers (a cancelled run's readers stop mid-file); disconnect if this
        executor connected."""
        if self._readers is not None:
            self._readers.kill_all()
        if self._owns_connection and ray.is_initialized():
            ray.shutdown()

    def _ask(self, call: Any) -> Any:
        """``call(reader)``'s answer from a usable reader, asking another when one is lost
        (``ray_task_attempts`` in all)."""
        last: Exception | None = None
        for attempt in range(self.attempts):
            index = self._wait_for_reader(attempt)
            try:
                return ray.get(call(self.readers.actors[index]))
            except RayTaskError:
                raise
            except RayError as exc:  # the reader died: Ray restarts it; ask another
                self.readers.lost(index)
                last = exc
        raise RayUnavailable(f"the Ray workers were lost {self.attempts} times: {last}")

    def _wait_for_reader(self, turn: int) -> int:
        while True:
            usable = self.readers.usable()
            if usable:
                return usable[turn % len(usable)]
            time.sleep(POLL_SECONDS)


class RemoteText:
    """The sentence encoder of the cluster's readers, for the text-vector tier."""

    def __init__(self, executor: RayExecutor, space_id: str) -> None:
        self._executor = executor
        self._space_id = space_id

    @property
    def space_id(self) -> str:
        return self._space_id

    def encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._executor._ask(lambda reader: reader.encode_texts.remote(texts))
        return np.asarray(vecs, dtype=np.float32)


class RayRunner:
    """Hands files to idle readers and reports each file's events once, as the local pool
    does (engine.indexing.pool.ExtractPool.run)."""

    def __init__(self, executor: RayExecutor, fn: TaskFn, limits: WorkLimits, encode: bool):
        self.executor = executor
        self.fn = fn
        self.limits = limits
        self.encode = encode
        self.calls: dict[Any, _Call] = {}  # object ref → the file it will answer for
        self.retry: deque[_Call] = deque()
        self.reported: set[int] = set()  # files whose events went out: never a second time

    def __enter__(self) -> RayRunner:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._abandon()

    def run(
        self, tasks: Iterable[tuple[int, Any]], cancel: CancelCheck
    ) -> Iterator[PoolEvent[Any]]:
        pending = iter(tasks)
        more = True
        try:
            while True:
                if cancel():
                    self._abandon()
                    return
                more = self._hand_out(pending, more)
                if not more and not self.retry and not self.calls:
                    return
                if not self.calls:  # every reader is being restarted: wait for one
                    time.sleep(POLL_SECONDS)
                    continue
                ready, _ = ray.wait(list(self.calls), num_returns=1, timeout=POLL_SECONDS)
                for ref in ready:
                    yield from self._answer(ref, self.calls.pop(ref))
                yield from self._enforce_limit()
        except GeneratorExit:
            self._abandon()
            raise

    def _hand_out(self, pending: Iterator[tuple[int, Any]], more: bool) -> bool:
        """Files to idle readers (retries first); False once ``pending`` is exhausted."""
        busy = {call.reader for call in self.calls.values()}
        for index in self.executor.readers.usable():
            if index in busy:
                continue
            if self.retry:
                call = self.retry.popleft()
            elif more:
                try:
                    number, task = next(pending)
                except StopIteration:
                    return False
                call = _Call(number, task, index)
            else:
                return more
            self._submit(call, index)
        return more

    def _submit(self, call: _Call, index: int) -> None:
        call.reader, call.started = index, time.monotonic()
        reader = self.executor.readers.actors[index]
        self.calls[reader.run.remote(self.fn, call.task, self.encode)] = call

    def _answer(self, ref: Any, call: _Call) -> Iterator[PoolEvent[Any]]:
        try:
            outcome: Outcome = ray.get(ref)
        except RayTaskError as exc:  # the reader's own code failed: the file, not the worker
            yield from self._report(call.number, reason(ReasonCode.EXTRACT_FAILED, error=str(exc)))
            return
        except RayError as exc:  # the reader's process or node was lost: only this file
            yield from self._lost(call, exc)
            return
        if call.number in self.reported:
            return
        self.reported.add(call.number)
        for payload in outcome.payloads:
            yield Chunk(call.number, payload)
        yield (
            Failed(call.number, outcome.failed)
            if outcome.failed
            else Done(call.number, outcome.result)
        )

    def _lost(self, call: _Call, exc: RayError) -> Iterator[PoolEvent[Any]]:
        """A reader died holding ``call``'s file: hand it out again, or give up on it."""
        log.warning("a Ray worker was lost reading file %d: %s", call.number, type(exc).__name__)
        self.executor.readers.lost(call.reader)
        if call.attempts < self.executor.attempts:
            call.attempts += 1
            self.retry.append(call)
            return
        detail = f"{call.attempts} times on Ray workers; setting ray_task_attempts"
        yield from self._report(call.number, reason(ReasonCode.WORKER_DIED, detail=detail))

    def _enforce_limit(self) -> Iterator[PoolEvent[Any]]:
        """A file over ``extract_file_seconds``: its reader is killed (Ray restarts it)."""
        now = time.monotonic()
        for ref, call in list(self.calls.items()):
            if now - call.started > self.limits.file_seconds:
                del self.calls[ref]
                ray.kill(self.executor.readers.actors[call.reader], no_restart=False)
                self.executor.readers.lost(call.reader)
                why = reason(ReasonCode.TIMED_OUT, seconds=self.limits.file_seconds)
                yield from self._report(call.number, why)

    def _report(self, number: int, why: Reason) -> Iterator[PoolEvent[Any]]:
        if number not in self.reported:
            self.reported.add(number)
            yield Failed(number, why)

    def _abandon(self) -> None:
        """Cancel what the readers hold: no event comes for those files."""
        for ref in self.calls:
            with contextlib.suppress(RayError, ValueError, TypeError):  # done, or not cancellable
                ray.cancel(ref)
        self.calls.clear()
        self.retry.clear()


def _connect(address: str) -> None:
    _reachable(address)
    try:
        ray.init(
            address=address,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise RayUnavailable(
            f"cannot reach the Ray cluster at {address} ({_first_line(exc)}): start it with "
            "`ray start --head`, or index without --ray"
        ) from exc


def _reachable(address: str) -> None:
    """Refuse an address nothing answers on in seconds: ray.init waits on it for minutes,
    logging a line every few seconds ("auto" is found, or not, by Ray at once)."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS):
            return
    except ValueError:
        problem = "not HOST:PORT"
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    raise RayUnavailable(
        f"cannot reach the Ray cluster at {address} ({problem}): start it with "
        "`ray start --head`, or index without --ray"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
