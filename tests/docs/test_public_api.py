"""The public API: exports, docstrings, and what importing costs."""

from __future__ import annotations

import inspect
import subprocess
import sys
from types import ModuleType

import pytest

import seedclient
import seedclient.testing
import seedclient.transports


def test_all_is_sorted_and_complete() -> None:
    names = seedclient.__all__
    assert list(names) == sorted(names, key=lambda n: (not n.isupper(), n.lstrip("_")))
    for name in names:
        assert hasattr(seedclient, name), name
    public = {
        n
        for n, v in vars(seedclient).items()
        if not n.startswith("_") and not inspect.ismodule(v) and n not in ("annotations", "Any")
    }
    assert public <= set(names)


@pytest.mark.parametrize(
    "module", [seedclient, seedclient.transports, seedclient.testing], ids=lambda m: m.__name__
)
def test_every_public_name_has_a_docstring(module: ModuleType) -> None:
    assert inspect.getdoc(module)
    for name in module.__all__:
        if name == "__version__":
            continue
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
            for attr, member in vars(obj).items():
                if not attr.startswith("_") and (
                    inspect.isfunction(member) or isinstance(member, property)
                ):
                    assert inspect.getdoc(member), f"{name}.{attr} has no docstring"


def test_version_comes_from_metadata() -> None:
    from importlib.metadata import version

    assert seedclient.__version__ == version("seedclient")


def test_import_does_not_load_aiohttp() -> None:
    code = (
        "import sys, seedclient;"
        "print('aiohttp' in sys.modules, 'importlib.metadata' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_help_shows_the_resources_and_the_parameters() -> None:
    import inspect
    import pydoc

    from seedclient import Completions, SeedClient

    text = pydoc.render_doc(SeedClient, renderer=pydoc.plaintext)
    for name in ("chat", "images", "models"):
        assert f"{name}\n" in text or f" {name}" in text
        assert getattr(SeedClient, name).__doc__
    params = inspect.signature(Completions.create).parameters
    for name in ("stream", "model", "messages", "max_tokens", "reasoning_effort", "tools"):
        assert name in params
    assert str(params["model"].annotation) == "str"
