"""A griffe extension for the docs build: a parameter whose default names one of
``seedclient._config``'s ``DEFAULT_*`` constants shows the constant's value, so that the
reference reads ``max_retries: int = 2``, while the code keeps one definition of each default.
"""

from __future__ import annotations

from typing import Any

import griffe

from seedclient import _config


class DefaultValues(griffe.Extension):
    """Replace ``DEFAULT_*`` parameter defaults with their values."""

    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        for parameter in func.parameters:
            name = str(parameter.default or "")
            if name.startswith("DEFAULT_") and hasattr(_config, name):
                value = getattr(_config, name)
                parameter.default = f"{value:_}" if isinstance(value, int) else repr(value)
