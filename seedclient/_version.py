"""The installed version: a leaf module, so nothing imports the package back to read it."""

from __future__ import annotations

import functools

__all__ = ["get_version"]


@functools.cache
def get_version() -> str:
    """The installed distribution's version, read on first use.

    Importing ``importlib.metadata`` at import time would triple the cost of
    ``import seedclient``, so it waits for the first client (or ``__version__``).
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("seedclient")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"
