"""The docs site as a reader gets it: built, then opened from disk (``file://``) in chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from .browser import chromium, needs_chromium

ROOT = Path(__file__).resolve().parents[1]
pytestmark = needs_chromium


def test_the_site_opened_from_disk_links_pages_and_searches(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    index = (site / "index.html").read_text()
    assert "googleapis" not in index and "unpkg.com" not in index  # nothing fetched to view
    # Links name files (page.html), so that they open from disk rather than a folder listing.
    links = set(re.findall(r'href="((?:guides|reference)/[^"#]+)"', index))
    assert links and all(link.endswith(".html") for link in links), links
    assert all((site / link).is_file() for link in links)
    # Search works from disk: the page's own search box, given "stream".
    dom = chromium(
        "--virtual-time-budget=10000", "--dump-dom", (site / "index.html").as_uri() + "?q=stream"
    )
    found = re.search(r'md-search-result__meta">(\d+) matching documents?', dom)
    assert found and int(found.group(1)) > 0, dom[-3000:]
    results = re.findall(r'<a href="([^"]+)" class="md-search-result__link"', dom)
    assert any(url.endswith("guides/streaming.html") for url in results), results


def test_a_page_per_call_with_its_signature_example_and_links(tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site)],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=True,
        timeout=300,
    )
    methods = sorted(p.stem for p in (site / "reference" / "methods").glob("*.html"))
    assert {"chat.completions.create", "chat.completions.stream", "images.generate"} <= set(methods)
    create = site / "reference" / "methods" / "chat.completions.create.html"
    dom = chromium("--dump-dom", create.as_uri())
    text = re.sub(r"<[^>]+>", "", dom)
    assert "asyncio.run(main())" in text  # the runnable example
    assert "Returns" in text and "Raises" in text and "ChatParams" in text
    assert 'href="../ChatCompletion.html#seedclient.ChatCompletion"' in dom  # a resolved link
    for leak in (":class:", ":meth:", "DEFAULT_"):
        assert leak not in text
    shots = os.environ.get("SEEDCLIENT_DOCS_SHOTS")
    if shots:  # pictures for a person: the create() page, and a search for "stream"
        chromium(f"--screenshot={shots}/create.png", "--window-size=1200,1600", create.as_uri())
        chromium(
            f"--screenshot={shots}/search.png",
            "--window-size=1200,900",
            "--virtual-time-budget=10000",
            (site / "index.html").as_uri() + "?q=stream",
        )
