"""In-process fan-out of activity events to GraphQL subscriptions.

One broker per app; every subscriber has its own bounded queue. A slow subscriber loses its
oldest undelivered events rather than slowing the API (the activity stream can be re-read with
the ``events`` query). With several API replicas each broker only sees its own process's events.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable

from graph.model import Event

QUEUE_SIZE = 1000


class EventBroker:
    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[Event]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.opened = 0
        """How many subscriptions were ever opened (to wait for a new one in tests and logs)."""

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop subscribers live on (set when the app starts)."""
        self._loop = loop

    def publish_threadsafe(self, events: Iterable[Event]) -> None:
        """Publish from a worker thread."""
        batch = list(events)
        if self._loop is not None and batch:
            self._loop.call_soon_threadsafe(self.publish, batch)

    def publish(self, events: Iterable[Event]) -> None:
        """Deliver events to every subscriber (call from the event loop's thread)."""
        for event in events:
            for queue in list(self._queues):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    async def subscribe(self) -> AsyncIterator[Event]:
        queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        self.opened += 1
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.discard(queue)

    @property
    def subscribers(self) -> int:
        return len(self._queues)
