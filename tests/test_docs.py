"""The documentation: every public name documented and in the API reference; every code block
of the guides runs as written against the fake server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import seedclient

from .test_readme import run_block

DOCS = Path(__file__).resolve().parent.parent / "docs"
# The Ray guide needs the ray extra: its blocks run in tests_ray/ (nox -s ray).
PAGES = sorted(
    [*DOCS.glob("guides/*.md"), DOCS / "index.md", DOCS / "recipes.md"],
)
PAGES.remove(DOCS / "guides" / "ray.md")


@pytest.mark.parametrize("name", [n for n in seedclient.__all__ if n != "__version__"])
def test_every_public_name_is_documented_and_in_the_reference(name: str) -> None:
    obj = getattr(seedclient, name)
    if name != "PROVIDERS":
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    assert f"::: seedclient.{name}\n" in (DOCS / "reference.md").read_text()


BLOCKS = [
    (page.name, i, block)
    for page in PAGES
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S))
]


@pytest.mark.parametrize(("page", "index", "code"), BLOCKS, ids=[f"{p}-{i}" for p, i, _ in BLOCKS])
async def test_guide_code_runs(page: str, index: int, code: str) -> None:
    # The pages' `client` is a real client on the fake server; provider examples too.
    code = code.replace(
        'SeedClient(provider="byteplus")', 'SeedClient(base_url=client.base_url, api_key="t")'
    )
    await run_block(code)
