"""The documentation: every public name documented and in the API reference (the code
blocks run as scripts in test_blocks.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import seedclient

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", [n for n in seedclient.__all__ if n != "__version__"])
def test_every_public_name_is_documented_and_in_the_reference(name: str) -> None:
    obj = getattr(seedclient, name)
    if name != "PROVIDERS":
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    # One page per public name, linked from the reference's index.
    page = DOCS / "reference" / f"{name}.md"
    assert page.read_text() == f"# {name}\n\n::: seedclient.{name}\n"
    assert f"]({name}.md)" in (DOCS / "reference" / "index.md").read_text()


MODULES = ("hooks", "telemetry")  # public modules whose every name has a page


@pytest.mark.parametrize("module", MODULES)
def test_every_name_of_a_public_module_is_documented(module: str) -> None:
    import importlib

    mod = importlib.import_module(f"seedclient.{module}")
    for name in mod.__all__:
        if isinstance(getattr(mod, name), str):
            continue  # a constant: documented in the module's page
        page = DOCS / "reference" / f"{module}.{name}.md"
        assert page.read_text() == f"# {module}.{name}\n\n::: seedclient.{module}.{name}\n"


def test_no_reference_page_is_stale() -> None:
    import importlib

    import seedclient.testing
    import seedclient.transports

    names = {f"{n}.md" for n in seedclient.__all__} | {"index.md"}
    names |= {f"testing.{n}.md" for n in seedclient.testing.__all__}
    names |= {f"transports.{n}.md" for n in seedclient.transports.__all__}
    for module in MODULES:
        names |= {
            f"{module}.{n}.md" for n in importlib.import_module(f"seedclient.{module}").__all__
        }
    pages = {p.name for p in (DOCS / "reference").glob("*.md")}
    # seedclient.ray's pages are checked by tests_ray (the extra is not installed here).
    assert {p for p in pages - names if not p.startswith("ray.")} == set()
    for page in pages - {"index.md"}:
        assert f"]({page})" in (DOCS / "reference" / "index.md").read_text(), page
