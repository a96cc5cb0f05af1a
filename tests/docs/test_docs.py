"""The documentation: every public name documented and in the API reference; every code block
of the guides runs as written against the fake server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import seedclient

from .test_readme import run_block

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The Ray guide needs the ray extra: its blocks run in tests_ray/ (nox -s ray).
PAGES = sorted(
    p
    for p in [*DOCS.glob("guides/*.md"), DOCS / "index.md", DOCS / "recipes.md"]
    if p.name != "ray.md"
)


@pytest.mark.parametrize("name", [n for n in seedclient.__all__ if n != "__version__"])
def test_every_public_name_is_documented_and_in_the_reference(name: str) -> None:
    obj = getattr(seedclient, name)
    if name != "PROVIDERS":
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
    # One page per public name, linked from the reference's index.
    page = DOCS / "reference" / f"{name}.md"
    assert page.read_text() == f"# {name}\n\n::: seedclient.{name}\n"
    assert f"]({name}.md)" in (DOCS / "reference" / "index.md").read_text()


def test_no_reference_page_is_stale() -> None:
    import seedclient.testing
    import seedclient.transports

    names = {f"{n}.md" for n in seedclient.__all__} | {"index.md"}
    names |= {f"testing.{n}.md" for n in seedclient.testing.__all__}
    names |= {f"transports.{n}.md" for n in seedclient.transports.__all__}
    pages = {p.name for p in (DOCS / "reference").glob("*.md")}
    # seedclient.ray's pages are checked by tests_ray (the extra is not installed here).
    assert {p for p in pages - names if not p.startswith("ray.")} == set()
    for page in pages - {"index.md"}:
        assert f"]({page})" in (DOCS / "reference" / "index.md").read_text(), page


BLOCKS = [
    (page.name, i, block)
    for page in PAGES
    for i, block in enumerate(re.findall(r"```python\n(.*?)```", page.read_text(), re.S))
]


@pytest.mark.parametrize(("page", "index", "code"), BLOCKS, ids=[f"{p}-{i}" for p, i, _ in BLOCKS])
async def test_guide_code_runs(page: str, index: int, code: str) -> None:
    # The pages' `client` is a real client on the fake server; provider examples too.
    code = code.replace(
        'SeedClient(provider="byteplus")',
        'SeedClient(provider="byteplus", base_url=client.base_url, api_key="t")',
    )
    await run_block(code)
