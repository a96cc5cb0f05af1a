"""Fetch the one script the docs site needs from npm, checked by its published integrity hash.

Search in a site opened from disk (``file://``) needs iframe-worker's shim: browsers run no web
worker there, and mkdocs-material's offline plugin would load the shim from unpkg.com at view
time. Kept out of git (``docs/assets/vendor/``); ``nox -s docs`` and CI run this first.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

PACKAGE = "https://registry.npmjs.org/iframe-worker/-/iframe-worker-1.0.4.tgz"
INTEGRITY = (  # sha512, as the registry publishes it
    "roeaaI+Lg1LJNfgpCjoRe/+WzEjy9+Z08LoEvu85MCPbBjwm+qXz8Ag5U05lHa6V1CysZyGzE0SOkAtSUA5q7Q=="
)
TARGET = Path(__file__).parent / "assets" / "vendor" / "iframe-worker-shim.js"


def main() -> int:
    if TARGET.exists():
        return 0
    try:
        with urllib.request.urlopen(PACKAGE, timeout=60) as answer:
            data = answer.read()
    except OSError as exc:
        print(f"docs/vendor.py: cannot fetch {PACKAGE} ({exc}): search will not work from disk")
        return 0
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != INTEGRITY:
        print(f"docs/vendor.py: {PACKAGE} does not match its integrity hash", file=sys.stderr)
        return 1
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("package/shim/index.js")
        assert member is not None
        TARGET.parent.mkdir(parents=True, exist_ok=True)
        TARGET.write_bytes(member.read())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
