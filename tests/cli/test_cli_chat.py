"""`seedclient chat` as a user runs it: a subprocess against a server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import signal

from seedclient.testing import FakeSeedServer
from seedclient.testing._model import answer

from .cli_helpers import cli_env, run_cli, spawn_cli

PROMPT = "why is the sky blue"


def expected_answer(prompt: str, **body: object) -> str:
    ans = answer({"model": "seed-1.8", "messages": [{"role": "user", "content": prompt}], **body})
    return "".join(ans.content)


async def test_streams_only_the_answer_to_piped_stdout() -> None:
    async with FakeSeedServer() as server:
        r = await run_cli("chat", PROMPT, "--base-url", server.url, env=cli_env(SEED_API_KEY="k"))
    assert r.code == 0, r.err
    assert r.out == expected_answer(PROMPT) + "\n"
    assert "The user wrote" not in r.out  # reasoning stays off a piped stdout
    summary = r.err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"\[first token \d+\.\d\ds · \d+\.\d tok/s · "
        r"\d+ prompt \+ \d+ completion tokens \(\d+ reasoning\) · \d+\.\d\ds\]",
        summary,
    ), summary


async def test_reasoning_on_request_goes_to_stderr() -> None:
    async with FakeSeedServer() as server:
        r = await run_cli(
            "chat",
            PROMPT,
            "--base-url",
            server.url,
            "--show-reasoning",
            "-q",
            env=cli_env(SEED_API_KEY="k"),
        )
    assert r.code == 0
    assert r.err.startswith("The user wrote: why is the sky blue.")
    assert r.out == expected_answer(PROMPT) + "\n"


async def test_prompt_from_stdin_system_and_options_reach_the_server() -> None:
    async with FakeSeedServer() as server:
        r = await run_cli(
            "chat",
            "--base-url",
            server.url,
            "--system",
            "Be brief.",
            "--thinking",
            "disabled",
            "--max-tokens",
            "4",
            "--temperature",
            "0.2",
            stdin=b"tell me about rivers",
            env=cli_env(SEED_API_KEY="k"),
        )
    assert r.code == 0, r.err
    assert r.out == expected_answer("tell me about rivers", max_tokens=4) + "\n"
    assert len(r.out.split()) == 4
    assert "finish: length" in r.err
    assert server.stats.user_texts["tell me about rivers"] == 1


async def test_json_prints_the_final_completion() -> None:
    import msgspec

    async with FakeSeedServer() as server:
        r = await run_cli(
            "chat", "hi", "--base-url", server.url, "--json", "-q", env=cli_env(SEED_API_KEY="k")
        )
    assert r.code == 0
    doc = msgspec.json.decode(r.out)
    assert doc["object"] == "chat.completion"
    assert doc["choices"][0]["message"]["content"] == expected_answer("hi")
    assert doc["usage"]["total_tokens"] > 0


async def test_errors_are_one_line_and_non_zero() -> None:
    async with FakeSeedServer(api_key="right") as server:
        r = await run_cli("chat", "hi", "--base-url", server.url, env=cli_env(SEED_API_KEY="wrong"))
    assert r.code == 1
    assert r.err.count("\n") == 1
    assert r.err.startswith("seedclient: error: AuthenticationError: 401 AuthenticationError")
    assert "wrong" not in r.err
    r2 = await run_cli("chat", "hi", env=cli_env())
    assert r2.code == 2
    assert "no API key" in r2.err and "add --fake" in r2.err
    assert "Traceback" not in r.err + r2.err


async def test_ctrl_c_mid_stream_exits_130_without_traceback() -> None:
    async with FakeSeedServer(tokens_per_second=20) as server:
        proc = await spawn_cli(
            "chat", PROMPT, "--base-url", server.url, env=cli_env(SEED_API_KEY="k")
        )
        assert proc.stdout is not None
        first = await asyncio.wait_for(proc.stdout.read(8), 30)  # the answer has started
        assert first
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 130
    assert "Traceback" not in err.decode()
    assert "interrupted" in err.decode()
    full = expected_answer(PROMPT)
    assert full.startswith((first + out).decode())
    assert len(first + out) < len(full.encode())


async def test_version_and_the_cli_words() -> None:
    import seedclient

    r = await run_cli("--version")
    assert r.code == 0 and r.out.strip() == f"seedclient {seedclient.__version__}"
    r = await run_cli("chat", "hi", env=cli_env())
    assert r.code == 2 and "set one of SEED_API_KEY" in r.err and "api_key=" not in r.err
    r = await run_cli(
        "chat", "hi", "--base-url", "http://example.invalid/v1", env=cli_env(SEED_API_KEY="k")
    )
    assert r.code == 2 and "--allow-http" in r.err and "allow_http=True" not in r.err


async def test_a_bare_base_url_finds_the_providers_key_and_says_which() -> None:
    async with FakeSeedServer(api_key="ark-key") as server:
        r = await run_cli(
            "chat", "hi", "--base-url", server.url, "-v", "-q", env=cli_env(ARK_API_KEY="ark-key")
        )
    assert r.code == 0, r.err
    assert "key from ARK_API_KEY" in r.err and "ark-key" not in r.err


async def test_responses_answers_through_the_responses_api() -> None:
    async with FakeSeedServer() as server:
        r = await run_cli(
            "chat",
            PROMPT,
            "--responses",
            "--provider",
            "byteplus",
            "--allow-http",
            "--base-url",
            server.url,
            env=cli_env(SEED_API_KEY="k"),
        )
        sent = server.stats.received
    assert r.code == 0, r.err
    assert r.out == expected_answer(PROMPT) + "\n"  # the same fake model, through /responses
    assert sent == 1
    summary = r.err.strip().splitlines()[-1]
    assert re.search(r"\d+ prompt \+ \d+ completion tokens \(\d+ reasoning\)", summary), summary
    assert "$" in summary  # seed-1.8 on BytePlus has a price
