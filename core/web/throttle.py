"""Console logins slowed down after repeated failures, per client address.

After ``web.login_failures_allowed`` failed logins in a row from one address, that
address may not try again until ``web.login_cooldown_seconds`` have passed since its
last failure; then it gets one more attempt, and a further failure locks it out again.
A success clears the address's count. This is Odoo's rule (``base.login_cooldown_after``
and ``base.login_cooldown_duration``), for the same reasons: it is keyed by address,
not by username, so nobody can lock a colleague out by typing his name wrong, and a
refused attempt is answered before the password is checked, so a guessing script cannot
keep the workers busy with scrypt either.

The counts live in the worker process (like the token cache): with ``N`` workers an
address gets up to ``N`` times the allowance before every worker has seen it fail.
Behind a reverse proxy the address is the proxy's unless uvicorn trusts its
``X-Forwarded-For`` (it does from 127.0.0.1; others by ``FORWARDED_ALLOW_IPS``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# More addresses than this with failures on record: forget the ones whose cooldown is
# over (a scan across many addresses must not grow the worker without bound).
MAX_TRACKED = 10_000


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Failed login counts by client address (thread-safe; handlers run in threads)."""

    def __init__(
        self, allowed: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.allowed = allowed
        self.cooldown = cooldown
        self.clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, address: str) -> int:
        """Whole seconds ``address`` must wait before its next attempt (0: it may try now)."""
        if self.allowed <= 0:
            return 0
        with self._lock:
            failures = self._failures.get(address)
        if failures is None or failures.count < self.allowed:
            return 0
        left = failures.last + self.cooldown - self.clock()
        return math.ceil(left) if left > 0 else 0

    def failed(self, address: str) -> None:
        """Count a failed attempt from ``address``."""
        if self.allowed <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED and address not in self._failures:
                self._forget_cooled(now)
            failures = self._failures.setdefault(address, _Failures(0, now))
            failures.count += 1
            failures.last = now

    def succeeded(self, address: str) -> None:
        """A successful login from ``address``: its count starts again."""
        with self._lock:
            self._failures.pop(address, None)

    def _forget_cooled(self, now: float) -> None:
        cooled = [
            address
            for address, failures in self._failures.items()
            if now - failures.last >= self.cooldown
        ]
        for address in cooled:
            del self._failures[address]
        if len(self._failures) >= MAX_TRACKED:  # all of them hot: keep the newest half
            newest = sorted(self._failures.items(), key=lambda item: item[1].last)
            self._failures = dict(newest[len(newest) // 2 :])
