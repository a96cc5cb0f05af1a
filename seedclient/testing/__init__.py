"""Test helpers: an embedded fake Seed server with fault injection.

Use it to test your own services and pipelines without an API key::

    from seedclient import SeedClient
    from seedclient.testing import FakeSeedServer, FaultPlan

    async with FakeSeedServer(faults=FaultPlan(rates={"overloaded": 0.1}, seed=7)) as server:
        async with SeedClient(base_url=server.url, api_key="test") as client:
            ...
        assert server.stats.faults["overloaded"] == ...

The library itself never imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._clock import FakeClock
from ._faults import FAULT_KINDS, FaultPlan
from ._labels import choose_label, find_labels
from ._schema import SchemaError, instance

if TYPE_CHECKING:
    from ._server import FakeSeedServer, ServerStats


def __getattr__(name: str) -> Any:
    # The server (and aiohttp.web under it) loads on first use: `seedclient --help` lists
    # the fault kinds without paying for a web server it does not start.
    if name in ("FakeSeedServer", "ServerStats"):
        from . import _server

        return getattr(_server, name)
    raise AttributeError(f"module 'seedclient.testing' has no attribute {name!r}")


__all__ = [
    "FAULT_KINDS",
    "FakeClock",
    "FakeSeedServer",
    "FaultPlan",
    "SchemaError",
    "ServerStats",
    "choose_label",
    "find_labels",
    "instance",
]
