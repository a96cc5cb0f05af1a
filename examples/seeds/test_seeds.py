"""Run the ported provider-doc code against the fake server, with openai and with seedclient."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
CLIENTS = ["seedclient", "openai"]


@pytest.fixture(scope="module", params=["aisa", "ark"])
def fake(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    yield from _fake_server(request.param)


@pytest.fixture(scope="module")
def aisa() -> Iterator[tuple[str, str]]:
    yield from _fake_server("aisa")  # Seedream's n is AIsa's: Ark refuses it (test_fake_twin)


def _fake_server(dialect: str) -> Iterator[tuple[str, str]]:
    args = ["fake-server", "--dialect", dialect, "--ttft", "0", "--tokens-per-second", "0"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedclient", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    try:
        yield dialect, url
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()


def run(script: str, client: str, url: str) -> str:
    env = {**os.environ, "SEED_EXAMPLE_BASE_URL": url, "SEED_EXAMPLE_API_KEY": "test-key"}
    env.pop("OPENAI_BASE_URL", None)
    args = [sys.executable, str(HERE / script)] + (["openai"] if client == "openai" else [])
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout


@pytest.mark.parametrize("client", CLIENTS)
def test_streaming_loop(fake: tuple[str, str], client: str) -> None:
    out = run("aisa_streaming.py", client, fake[1])
    assert len(out.split()) > 10  # the whole answer, then a clean end: no IndexError


@pytest.mark.parametrize("client", CLIENTS)
def test_agent_loop_ends(fake: tuple[str, str], client: str) -> None:
    out = run("aisa_agent.py", client, fake[1])
    assert out.splitlines()[-1] == "turns: 2"
    assert "alert sent" in out


@pytest.mark.parametrize("client", CLIENTS)
def test_classification_recipe_accuracy(fake: tuple[str, str], client: str) -> None:
    out = run("aisa_classify.py", client, fake[1])
    accuracy = float(out.split("accuracy: ")[1].split()[0])
    assert accuracy >= 0.9, out


@pytest.mark.parametrize("client", CLIENTS)
def test_json_mode_parses(fake: tuple[str, str], client: str) -> None:
    assert (
        run("aisa_json_mode.py", client, fake[1]).strip()
        == "['company_name', 'founding_year', 'hq_city']"
    )


@pytest.mark.parametrize("client", CLIENTS)
def test_seedream(aisa: tuple[str, str], client: str) -> None:
    out = run("aisa_seedream.py", client, aisa[1]).splitlines()
    assert out[0].startswith("refused:") and "3686400" in out[0]
    assert out[1].startswith("http://127.0.0.1")
    assert [line.split(":")[0] for line in out[2:]] == [f"Variation {i}" for i in range(1, 5)]


@pytest.mark.parametrize("client", CLIENTS)
def test_sync_snippets_with_the_import_changed(aisa: tuple[str, str], client: str) -> None:
    # The guide's sync code as written; seedclient's run differs by its import line only.
    out = run("sync/aisa_guide.py", client, aisa[1]).splitlines()
    assert out[0] and out[1]  # the first answer; the streamed one, printed as it came
    assert out[2] == "['company_name', 'founding_year', 'hq_city']"
    assert "alert sent" in out[3]
    assert [line.split(":")[0] for line in out[4:]] == [f"Variation {i}" for i in range(1, 5)]
