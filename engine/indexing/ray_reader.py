"""The Ray side of engine.indexing.ray_executor: the :class:`Reader` actor that reads and
encodes files on a worker machine, and :class:`Readers`, the head's view of them (which are
usable, which are being restarted by Ray after their process was lost).

A reader that died is not given work until it answers again: Ray answers a call to an actor
that is restarting with ``ActorUnavailableError`` at once, so handing a file to it would burn
that file's attempts in milliseconds without reading it once.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import ray
from ray.exceptions import RayError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from engine.config import Settings
from engine.errors import SagasuError
from engine.indexing.executor import TaskFn
from engine.indexing.pool_worker import failure_reason
from engine.messages import Reason
from engine.types import ItemKind

if TYPE_CHECKING:
    from engine.encode.encoders import Encoders
    from engine.store.records import NewItem

# A lost reader is asked whether it is back this often, and given up after this long (its
# node is gone for good): the run goes on with the others.
PING_SECONDS = 0.5
RESTART_SECONDS = 180.0


class RayUnavailable(SagasuError):
    """The Ray cluster cannot be reached, or has no CPU to read on."""


@dataclass
class Outcome:
    """A reader's answer for one file: the task function's payloads (one per page, vectors
    in their items when encoded) and its return value, or why the file could not be read."""

    payloads: list[Any]
    result: object = None
    failed: Reason | None = None


class Reader:
    """One Ray worker process that reads and encodes files; its encoders load on first use
    and stay loaded for the actor's life."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._encoders: Encoders | None = None

    def pid(self) -> int:
        """Its process id: the ping that tells a restarted reader is back."""
        return os.getpid()

    def run(self, fn: TaskFn, task: Any, encode: bool) -> Outcome:
        """``fn`` over one file; with ``encode``, its items' vectors too."""
        payloads: list[Any] = []
        try:
            pages = fn(task, self.settings)
            while True:
                try:
                    payloads.append(next(pages))
                except StopIteration as end:
                    result = end.value
                    break
            if encode:
                self._encode([item for page in payloads for item in page])
        except Exception as exc:  # a bad file (or a bug) fails its file, never the reader
            return Outcome([], failed=failure_reason(exc))
        return Outcome(payloads, result)

    def text_space(self) -> str | None:
        """The sentence encoder's space here, None when it cannot load."""
        text = self.encoders().text()
        return text.space_id if text else None

    def encode_texts(self, texts: list[str]) -> np.ndarray:
        text = self.encoders().text()
        if text is None:
            raise RuntimeError("the sentence model does not load on this Ray worker")
        return text.encode(texts)

    def encoders(self) -> Encoders:
        if self._encoders is None:
            from engine.encode.encoders import Encoders

            self._encoders = Encoders(self.settings)
        return self._encoders

    def _encode(self, items: list[NewItem]) -> None:
        """Text vectors of the chunks, picture vectors of the visual items, as the head would
        (engine.indexing.indexer, engine.indexing.consumer)."""
        encoders = self.encoders()
        text = encoders.text()
        chunks = [it for it in items if it.kind is ItemKind.CHUNK and it.text.strip()]
        if text is not None and chunks:
            for item, vec in zip(chunks, text.encode([c.text for c in chunks]), strict=True):
                item.vectors = {**(item.vectors or {}), text.space_id: vec}
        clip = encoders.clip()
        if clip is None:  # stored without: the head's encode-and-refit adds them
            return
        import torch

        from engine.indexing.work import pixels_for

        pictures = [(it, pixels_for(it, clip)) for it in items]
        ready = [(it, px) for it, px in pictures if px is not None]
        size = max(1, self.settings.batch_size)
        for start in range(0, len(ready), size):
            batch = ready[start : start + size]
            vecs = clip.encode_image_tensors(torch.stack([px for _, px in batch]))
            for (item, _), vec in zip(batch, vecs, strict=True):
                item.vectors = {**(item.vectors or {}), clip.space_id: vec}


def start_readers(settings: Settings) -> list[Any]:
    """One reader per CPU of each live node, sharing the node's GPUs."""
    remote = ray.remote(Reader)
    readers: list[Any] = []
    for node in ray.nodes():  # type: ignore[no-untyped-call]
        if not node.get("Alive"):
            continue
        resources = node.get("Resources", {})
        count = int(resources.get("CPU", 0))
        gpus = float(resources.get("GPU", 0))
        for _ in range(count):
            readers.append(
                remote.options(
                    num_cpus=1,
                    num_gpus=gpus / count if gpus else 0,
                    max_restarts=-1,  # a lost reader comes back; its file is retried here
                    max_task_retries=0,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=True),
                ).remote(settings)
            )
    if not readers:
        raise RayUnavailable("the Ray cluster has no CPU to read files on")
    return readers


@dataclass
class _Down:
    """A reader Ray is restarting: since when, and the ping that asks whether it is back."""

    since: float
    ping: Any = None
    next_ping: float = 0.0


class Readers:
    """The cluster's readers as the head hands out work: :meth:`usable` ones only."""

    def __init__(self, settings: Settings) -> None:
        self.actors: list[Any] = start_readers(settings)
        self.down: dict[int, _Down] = {}
        self.gone: set[int] = set()  # not back after RESTART_SECONDS: never used again

    def usable(self) -> list[int]:
        self.check()
        return [i for i in range(len(self.actors)) if i not in self.down and i not in self.gone]

    def lost(self, index: int) -> None:
        """Reader ``index`` lost its process: no work until it answers a ping."""
        if index not in self.down:
            now = time.monotonic()
            self.down[index] = _Down(since=now, next_ping=now + PING_SECONDS)

    def check(self) -> None:
        """Ping the lost readers; those that answer are usable again. Raises RayUnavailable
        once every reader is gone for good."""
        now = time.monotonic()
        for index, down in list(self.down.items()):
            if down.ping is None:
                if now >= down.next_ping:
                    down.ping = self.actors[index].pid.remote()
                continue
            answered, _ = ray.wait([down.ping], timeout=0)
            if not answered:
                continue
            try:
                ray.get(down.ping)
                del self.down[index]
            except RayError:
                down.ping, down.next_ping = None, now + PING_SECONDS
                if now - down.since > RESTART_SECONDS:
                    del self.down[index]
                    self.gone.add(index)
        if len(self.gone) == len(self.actors):
            raise RayUnavailable(
                f"no Ray worker came back within {RESTART_SECONDS:.0f} s of being lost"
            )

    def kill_all(self) -> None:
        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors, self.down, self.gone = [], {}, set()
