"""Ray's own deprecation warnings are Ray's: the suite's warnings-as-errors stays for ours."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:ray.*")
    config.addinivalue_line("filterwarnings", "ignore::FutureWarning:ray.*")
