"""Fixtures of the webhook tests: a receiver, and apps whose endpoint cache is off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def guanxi_settings():
    # The CLI runs its own app in the same process: no cached "nobody subscribes".
    return {"webhooks": {"cache_seconds": 0}}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()
