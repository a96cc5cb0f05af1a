"""What local inference servers answer (llama-cpp-python's server, as seen on the wire)
becomes an error that says what happened, and what will not change is not retried."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import msgspec
import pytest

from seedclient import (
    APIConnectionError,
    AuthenticationError,
    BadRequestError,
    ContextLengthError,
    SeedClient,
)

from .conftest import head, read_request, serve

MSGS = [{"role": "user", "content": "word " * 3000}]
# llama-cpp-python, non-streamed: OpenAI's message and code, status 400.
OPENAI_STYLE = (
    400,
    {
        "error": {
            "message": "This model's maximum context length is 2048 tokens. However, you "
            "requested 3041 tokens (3031 in the messages, 10 in the completion).",
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    },
)
# A server that fails inside its handler: a 500 naming the context window.
AS_500 = (
    500,
    {
        "error": {
            "message": "Requested tokens (3031) exceed context window of 2048",
            "type": "internal_server_error",
        }
    },
)


def answering(status: int, body: object, count: list[int]) -> Callable[..., object]:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        count.append(1)
        payload = msgspec.json.encode(body)
        reason = {400: "Bad Request", 401: "Unauthorized", 500: "Internal Server Error"}[status]
        writer.write(
            head(
                f"{status} {reason}",
                {"Content-Type": "application/json", "Content-Length": str(len(payload))},
            )
            + payload
        )
        await writer.drain()

    return handler


@pytest.mark.parametrize(("status", "body"), [OPENAI_STYLE, AS_500], ids=["400", "500"])
async def test_a_prompt_too_long_is_said_and_sent_once(
    status: int, body: object, make_client: Callable[..., SeedClient]
) -> None:
    count: list[int] = []
    async with serve(answering(status, body, count)) as url:
        client = make_client(url, max_retries=3)
        with pytest.raises(ContextLengthError) as info:
            await client.chat.completions.create(model="smollm2", messages=MSGS)
    assert info.value.status_code == status
    assert "context" in str(info.value)
    assert count == [1]  # it will not fit on a new attempt either


async def test_a_validation_failure_under_a_500_is_not_retried(
    make_client: Callable[..., SeedClient],
) -> None:
    # llama-cpp-python answers a body its pydantic models refuse with a 500.
    body = {
        "error": {
            "message": "1 validation error:\n  {'type': 'string_type', 'loc': ('body', "
            "'messages', 1, 'content'), 'msg': 'Input should be a valid string'}",
            "type": "internal_server_error",
        }
    }
    count: list[int] = []
    async with serve(answering(500, body, count)) as url:
        client = make_client(url, max_retries=3)
        with pytest.raises(BadRequestError, match="Input should be a valid string") as info:
            await client.chat.completions.create(model="smollm2", messages=MSGS)
    assert info.value.status_code == 500
    assert count == [1]


async def test_the_servers_own_reason_is_in_the_message(
    make_client: Callable[..., SeedClient],
) -> None:
    # FastAPI-style servers (llama-cpp-python with --api_key) answer {"detail": ...}.
    count: list[int] = []
    async with serve(answering(401, {"detail": "Invalid API key"}, count)) as url:
        client = make_client(url)
        with pytest.raises(AuthenticationError, match="Invalid API key"):
            await client.chat.completions.create(model="smollm2", messages=MSGS)
    assert count == [1]


async def test_an_empty_stream_says_what_it_usually_means(
    make_client: Callable[..., SeedClient],
) -> None:
    # llama-cpp-python streams a prompt too long as a 200 event stream with nothing in it.
    count: list[int] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        count.append(1)
        writer.write(
            head(
                "200 OK",
                {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked"},
            )
            + b"0\r\n\r\n"
        )
        await writer.drain()

    async with serve(handler) as url:
        client = make_client(url, max_retries=0)
        with pytest.raises(APIConnectionError, match="without sending any event") as info:
            async with client.chat.completions.stream(model="smollm2", messages=MSGS) as s:
                async for _ in s:
                    pass
    assert "context" in str(info.value) and "without streaming" in str(info.value)
    assert count == [1]
