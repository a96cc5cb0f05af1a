"""Every Python block of the README and the docs runs as pasted into a file: ``python
file.py`` in a fresh process, given only ``SEED_BASE_URL`` (the URL ``seedclient fake-server``
prints) and ``SEED_API_KEY``, as each page says at its top.

A block that starts with ``# (continues the block above)`` runs together with the one before
it. The Ray guide's blocks need the ``ray`` extra: ``tests_ray`` runs them the same way.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTINUES = "# (continues the block above)"
PAGES = [
    ROOT / "README.md",
    *sorted(p for p in (ROOT / "docs").rglob("*.md") if p.name != "ray.md"),
]
SAYS_HOW = "runs as pasted into a file"  # each page with blocks says how, once, at its top


def scripts(page: Path) -> list[str]:
    """The page's blocks as scripts (a continuing block joined to the one before)."""
    out: list[str] = []
    for block in re.findall(r"```python\n(.*?)```", page.read_text(), re.S):
        if block.startswith(CONTINUES) and out:
            out[-1] += "\n" + block
        else:
            out.append(block)
    return out


BLOCKS = [(page, i, code) for page in PAGES for i, code in enumerate(scripts(page), 1)]

# What some blocks must print (beyond running without an error).
PRINTS = {
    ("README.md", 3): ["['positive', 'negative']"],
    ("README.md", 5): ["Review(sentiment='positive', stars=5)"],
    ("README.md", 6): ["Paris", " 0\n"],  # the answer, then no tool errors
    ("README.md", 9): ["City(name=", "['positive', 'negative']"],
    ("README.md", 10): ["[2048, 2048]"],
    ("README.md", 11): ["('2048x2048', 'http"],
    ("README.md", 12): [
        "partial_succeeded 0\npartial_succeeded 1\npartial_succeeded 2\npartial_succeeded 3\n"
        "completed None\n4 saved"
    ],
    ("structured.md", 1): ["Review(sentiment='positive', stars=5)"],
    ("bulk.md", 1): ["['positive', 'negative'] 2"],
    ("testing.md", 1): ["True 1"],
    ("testing.md", 2): ["[30.0]"],
}


def env_for(url: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SEED_", "ARK_", "AIMLAPI_", "AISA_"))
    }
    return {**env, "SEED_BASE_URL": url, "SEED_API_KEY": "any-key", "PYTHONWARNINGS": "error"}


@pytest.fixture(scope="module")
def fake_server() -> Iterator[str]:
    """``seedclient fake-server``, as a reader starts it; its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedclient", "fake-server"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    yield url
    proc.terminate()
    proc.wait(10)
    proc.stdout.close()


def test_every_page_with_blocks_says_how_to_run_them() -> None:
    for page in PAGES:
        if scripts(page):
            head = page.read_text()[:2500]
            assert SAYS_HOW in head and "seedclient fake-server" in head, page


@pytest.mark.parametrize(
    ("page", "index", "code"),
    BLOCKS,
    ids=[f"{p.name}-{i}" for p, i, _ in BLOCKS],
)
def test_block_runs_as_a_script(
    fake_server: str, tmp_path: Path, page: Path, index: int, code: str
) -> None:
    script = tmp_path / "block.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env_for(fake_server),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{page.name} block {index}:\n{done.stderr}"
    for expected in PRINTS.get((page.name, index), []):
        assert expected in done.stdout, done.stdout
