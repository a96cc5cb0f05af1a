"""The ray extra stays optional: the core never imports Ray, and without it the error says
what to install. (seedclient.ray itself is tested on a Ray cluster in tests_ray/.)"""

from __future__ import annotations

import subprocess
import sys


def test_the_core_package_never_imports_ray() -> None:
    code = (
        "import sys, seedclient, seedclient.testing, seedclient._cli\n"
        "loaded = sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_ray_the_import_error_says_what_to_install() -> None:
    code = (
        "import sys\n"
        "sys.modules['ray'] = None  # as if Ray were not installed\n"
        "try:\n"
        "    import seedclient.ray\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "seedclient[ray]"' in done.stdout
