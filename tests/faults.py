"""Fault injection around a REAL store (never a mock of it): named calls fail the way a
database or a bug would, everything else reaches the store."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from graph.store import GraphStore


class FaultyStore:
    """A real store whose calls named in ``failures`` always raise that error, and whose armed
    calls raise RuntimeError once each (not a warmpath error: the kind of failure that used to
    end the sweeper for the life of the process)."""

    def __init__(self, store: GraphStore, failures: dict[str, Exception] | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.failures: dict[str, Exception] = failures if failures is not None else {}
        self.armed: set[str] = set()
        self.raised: list[str] = []
        self.succeeded: list[str] = []
        self.closed = False

    def arm(self, *names: str) -> None:
        with self._lock:
            self.armed.update(names)

    def close(self) -> None:
        self.closed = True
        self._store.close()

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._store, name)
        if not callable(real):
            return real

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                if name in self.failures:
                    raise self.failures[name]
                if name in self.armed:
                    self.armed.discard(name)
                    self.raised.append(name)
                    raise RuntimeError(f"injected failure of {name}")
            result = real(*args, **kwargs)
            with self._lock:
                self.succeeded.append(name)
            return result

        return call


@contextmanager
def held_by_another_thread(
    lock: AbstractContextManager[Any], *, for_seconds: float = 10.0
) -> Iterator[None]:
    """``lock`` taken by another thread for the block, or for ``for_seconds`` if that ends
    first (a step waiting for it then goes on within the block)."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(for_seconds)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join()
