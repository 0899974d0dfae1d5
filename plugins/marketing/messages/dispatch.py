"""Handing claimed batches to senders: one connection, or several in parallel.

Email goes over ``connections`` SMTP connections at once (one sender and one thread
each): while one connection waits for the server's reply the others send, which is how
real mail servers are fed. The threads take messages from the batch one at a time, so a
slow connection simply takes fewer. Other senders (the outbox, an edition's own) are
used through one instance: they need not be thread-safe.

When one connection breaks (:class:`SenderStopped`) the others finish the message in
hand and take no more; everything not handed over goes back to pending. A message whose
reply was lost (``uncertain``) is in no list, so it stays ``attempting``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from guanxi.app import App
from guanxi_marketing.messages.ledger import Outcomes
from guanxi_marketing.messages.render import RenderedMessage
from guanxi_marketing.messages.senders import Sender, SenderStopped, load_sender


def _next_from(messages: Iterator[RenderedMessage]) -> Callable[[], RenderedMessage | None]:
    """A thread-safe ``next(messages, None)``."""
    lock = threading.Lock()

    def take() -> RenderedMessage | None:
        with lock:
            return next(messages, None)

    return take


def _work(sender: Sender, take: Callable[[], RenderedMessage | None], halt: threading.Event,
          pace: float | None) -> tuple[Outcomes, SenderStopped | None]:
    """Send messages from ``take`` over ``sender`` until none are left or ``halt`` is set."""
    outcomes = Outcomes([], [], [])
    while not halt.is_set():
        message = take()
        if message is None:
            break
        if pace:
            time.sleep(pace)
        try:
            result = sender.send(message)
        except SenderStopped as stop:
            halt.set()
            if not stop.uncertain:  # never handed over: back to pending
                outcomes.pending.append((message, None))
            return outcomes, stop
        if result.outcome == "accepted":
            outcomes.sent.append(message)
        elif result.outcome == "rejected":
            outcomes.failed.append((message, result.detail))
        else:
            outcomes.pending.append((message, result.detail))
    return outcomes, None


class SenderPool:
    """The senders of one run and the threads that drive them."""

    def __init__(self, app: App, channel: str):
        settings = app.settings_for("marketing").messages
        parallel = channel == "email" and settings.email_sender == "smtp"
        self.wanted = settings.connections if parallel else 1
        self.pace = settings.rate_limit and self.wanted / settings.rate_limit
        self.app, self.channel = app, channel
        self.senders: list[Sender] = []
        self.threads: ThreadPoolExecutor | None = None

    def open(self) -> None:
        """Open the connections; raises :class:`SenderStopped` when not even one opens.

        A server that accepts fewer connections than configured is fed over those it took.
        """
        for _ in range(self.wanted):
            sender = load_sender(self.app, self.channel)
            try:
                sender.open()
            except SenderStopped:
                if not self.senders:
                    raise
                break
            self.senders.append(sender)
        if len(self.senders) > 1:
            self.threads = ThreadPoolExecutor(len(self.senders), "guanxi-smtp")

    def send(self, batch: Sequence[RenderedMessage]) -> tuple[Outcomes, list[SenderStopped]]:
        """Hand a claimed batch over; the outcomes and every stop that happened."""
        messages = iter(batch)
        take, halt = _next_from(messages), threading.Event()
        if self.threads is None:
            results = [_work(self.senders[0], take, halt, self.pace)]
        else:
            futures = [self.threads.submit(_work, sender, take, halt, self.pace)
                       for sender in self.senders]
            results = [future.result() for future in futures]
        outcomes = Outcomes([], [], [(m, None) for m in messages])  # never taken
        for part, _ in results:
            outcomes.sent += part.sent
            outcomes.failed += part.failed
            outcomes.pending += part.pending
        return outcomes, [stop for _, stop in results if stop is not None]

    def close(self) -> None:
        """Close every connection and stop the threads."""
        if self.threads is not None:
            self.threads.shutdown()
        for sender in self.senders:
            sender.close()
        self.senders = []
