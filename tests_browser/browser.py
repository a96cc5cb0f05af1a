"""Headless chromium for the tests: Debian's, found on the PATH."""

from __future__ import annotations

import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine (nox -s browser installs Debian's, as root)",
)


def chromium(*args: str) -> str:
    """Run headless chromium with ``args``; its stdout (``--dump-dom``: the rendered DOM)."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout
