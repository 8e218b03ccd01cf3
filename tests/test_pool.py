"""engine.indexing.pool with real worker processes: order, limits, deaths, recycling, cancel
and back-pressure. Task functions live in tests/pool_tasks.py (workers import them)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterable

import pytest

from engine.config import Settings
from engine.indexing.pool import Chunk, Done, ExtractPool, Failed, PoolEvent, WorkLimits
from engine.messages import ReasonCode
from tests.pool_tasks import behave

Task = tuple[str, int]
QUICK = WorkLimits(stall_seconds=30.0, file_seconds=60.0)


def run_all(
    tasks: list[Task],
    limits: WorkLimits = QUICK,
    workers: int = 2,
    cancel: Callable[[], bool] = lambda: False,
    on_event: Callable[[PoolEvent[object]], None] = lambda e: None,
) -> list[PoolEvent[object]]:
    events: list[PoolEvent[object]] = []
    with ExtractPool(behave, Settings(), workers, limits) as pool:
        for event in pool.run(list(enumerate(tasks)), cancel):
            events.append(event)
            on_event(event)
    return events


def chunks_of(events: Iterable[PoolEvent[object]], number: int) -> list[object]:
    return [e.payload for e in events if isinstance(e, Chunk) and e.number == number]


def outcome(events: Iterable[PoolEvent[object]], number: int) -> Done | Failed:
    ends = [e for e in events if isinstance(e, Done | Failed) and e.number == number]
    assert len(ends) == 1, ends
    return ends[0]


def alive(pid: int) -> bool:
    """Whether process ``pid`` still exists a moment from now (the forkserver, its parent,
    reaps it a little after it ends)."""
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.05)
    return True


def test_payloads_arrive_in_order_per_task_then_the_result() -> None:
    tasks = [("pages", 7), ("pages", 3), ("pages", 0), ("pages", 12)]
    events = run_all(tasks)
    for number, (_, n) in enumerate(tasks):
        assert chunks_of(events, number) == list(range(n))
        end = outcome(events, number)
        assert isinstance(end, Done) and end.result == f"done {n}"
        last_chunk = max(
            (i for i, e in enumerate(events) if isinstance(e, Chunk) and e.number == number),
            default=-1,
        )
        assert last_chunk < events.index(end)


def test_a_file_that_hangs_is_stopped_by_the_stall_limit_and_the_run_goes_on() -> None:
    limits = WorkLimits(stall_seconds=1.0, file_seconds=60.0)
    started = time.monotonic()
    events = run_all([("hang", 0), ("pages", 3), ("pages", 2), ("pages", 4)], limits)
    assert time.monotonic() - started < 15
    failed = outcome(events, 0)
    assert isinstance(failed, Failed) and failed.reason.code is ReasonCode.STALLED
    assert "extract_stall_seconds" in failed.reason.english()
    hung_pid = chunks_of(events, 0)[0]
    assert isinstance(hung_pid, int) and not alive(hung_pid)  # killed, not left running
    for number in (1, 2, 3):
        assert isinstance(outcome(events, number), Done)


def test_a_file_that_keeps_going_is_stopped_by_the_file_limit() -> None:
    limits = WorkLimits(stall_seconds=30.0, file_seconds=1.0)
    events = run_all([("trickle", 50), ("pages", 2)], limits)
    failed = outcome(events, 0)
    assert isinstance(failed, Failed) and failed.reason.code is ReasonCode.TIMED_OUT
    assert "extract_file_seconds" in failed.reason.english()
    assert len(chunks_of(events, 0)) >= 5  # it was making progress, just too slowly
    assert isinstance(outcome(events, 1), Done)


def test_a_worker_killed_mid_file_fails_only_that_file() -> None:
    def kill_first(event: PoolEvent[object]) -> None:
        if isinstance(event, Chunk) and event.number == 0:
            assert isinstance(event.payload, int)
            os.kill(event.payload, signal.SIGKILL)

    events = run_all(
        [("hang", 0), ("pages", 2), ("pages", 3), ("pages", 1)], workers=1, on_event=kill_first
    )
    failed = outcome(events, 0)
    assert isinstance(failed, Failed) and failed.reason.code is ReasonCode.WORKER_DIED
    assert "SIGKILL" in failed.reason.english()
    assert [isinstance(outcome(events, n), Done) for n in (1, 2, 3)] == [True] * 3


def test_a_worker_that_dies_by_itself_is_replaced() -> None:
    events = run_all([("crash", 0), ("pid", 0), ("crash", 0), ("pid", 0)], workers=1)
    for number in (0, 2):
        failed = outcome(events, number)
        assert isinstance(failed, Failed) and failed.reason.code is ReasonCode.WORKER_DIED
    assert isinstance(outcome(events, 1), Done) and isinstance(outcome(events, 3), Done)


def test_errors_in_the_task_fail_the_file_with_a_typed_reason_and_keep_the_worker() -> None:
    events = run_all([("pid", 0), ("unreadable", 0), ("bug", 0), ("pid", 0)], workers=1)
    unreadable, bug = outcome(events, 1), outcome(events, 2)
    assert isinstance(unreadable, Failed) and unreadable.reason.code is ReasonCode.UNREADABLE
    assert unreadable.reason.english() == "is not a PDF"
    assert isinstance(bug, Failed) and bug.reason.code is ReasonCode.EXTRACT_FAILED
    assert "ValueError: a bug in a reader" in bug.reason.english()
    first, last = outcome(events, 0), outcome(events, 3)
    assert isinstance(first, Done) and isinstance(last, Done)
    assert first.result == last.result  # the same worker read them all


def test_cancel_stops_the_workers_promptly_and_reports_nothing_for_files_in_hand() -> None:
    seen: list[int] = []
    cancel_at: list[float] = []

    def note(event: PoolEvent[object]) -> None:
        if isinstance(event, Chunk):
            assert isinstance(event.payload, int)
            seen.append(event.payload)
            if len(seen) == 2 and not cancel_at:
                cancel_at.append(time.monotonic())

    events = run_all(
        [("hang", 0), ("hang", 0), ("pages", 1)], cancel=lambda: bool(cancel_at), on_event=note
    )
    assert time.monotonic() - cancel_at[0] < 2.0  # typically well under a second
    assert not [e for e in events if isinstance(e, Done | Failed)]
    assert seen and not any(alive(pid) for pid in seen)


def test_workers_are_recycled_after_max_files_and_over_the_memory_cap() -> None:
    by_files = run_all([("pid", 0)] * 5, WorkLimits(max_files=2), workers=1)
    pids = [outcome(by_files, n) for n in range(5)]
    results = [e.result for e in pids if isinstance(e, Done)]
    assert results[0] == results[1] != results[2] == results[3] != results[4]

    big = WorkLimits(max_rss_mb=100_000)
    small = WorkLimits(max_rss_mb=150)  # a worker holding 200 MB is over it
    for limits, recycled in ((big, False), (small, True)):
        events = run_all([("grow", 200), ("pid", 0)], limits, workers=1)
        grown, after = outcome(events, 0), outcome(events, 1)
        assert isinstance(grown, Done) and isinstance(after, Done)
        assert (grown.result != after.result) is recycled


def test_a_worker_waits_while_the_consumer_is_behind() -> None:
    """At most ``window`` payloads in flight: payload j is made only once the consumer has
    taken payload j - window - 1; and time spent waiting on the consumer counts towards
    neither limit."""
    limits = WorkLimits(stall_seconds=0.5, file_seconds=1.5, window=2)
    taken: list[float] = []

    def slow_consumer(event: PoolEvent[object]) -> None:
        if isinstance(event, Chunk):
            taken.append(time.monotonic())
            time.sleep(0.3)

    events = run_all([("stamped", 8)], limits, workers=1, on_event=slow_consumer)
    assert isinstance(outcome(events, 0), Done)  # 2.4 s of waiting: no stall, not too long
    made = chunks_of(events, 0)
    assert all(isinstance(t, float) for t in made)
    for j in range(limits.window + 1, len(made)):
        assert made[j] >= taken[j - limits.window - 1]  # type: ignore[operator]


def test_a_pool_serves_several_runs_and_closes_its_workers() -> None:
    with ExtractPool(behave, Settings(), 1, QUICK) as pool:
        first = list(pool.run([(0, ("pid", 0))], lambda: False))
        second = list(pool.run([(0, ("pid", 0))], lambda: False))
    a, b = outcome(first, 0), outcome(second, 0)
    assert isinstance(a, Done) and isinstance(b, Done) and a.result == b.result
    assert isinstance(a.result, int) and not alive(a.result)


@pytest.mark.parametrize("workers", [1, 3])
def test_more_tasks_than_workers_all_finish(workers: int) -> None:
    events = run_all([("pages", n % 4) for n in range(10)], workers=workers)
    assert [type(outcome(events, n)) for n in range(10)] == [Done] * 10


def test_automatic_workers_use_every_core_of_a_small_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two cores: both read (one worker left a core idle); above two, one is the encoder's."""
    from engine.indexing import pool

    for cores, expected in [(1, 1), (2, 2), (4, 3), (16, pool.MAX_AUTO_WORKERS)]:
        monkeypatch.setattr(pool.os, "cpu_count", lambda cores=cores: cores)
        assert pool.auto_workers(0) == expected
    assert pool.auto_workers(5) == 5
