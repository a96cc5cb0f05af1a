"""A fake server for sync code: it runs on an event loop in its own thread (the sync
facade's own portal), so the test functions stay plain functions, as users' scripts are."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from seedclient._sync.portal import Portal
from seedclient.testing import FakeSeedServer


@pytest.fixture
def fake() -> Iterator[FakeSeedServer]:
    portal = Portal()
    server: FakeSeedServer = portal.call(FakeSeedServer)
    portal.call(server.start)
    try:
        yield server
    finally:
        portal.call(server.close)
        portal.stop()
