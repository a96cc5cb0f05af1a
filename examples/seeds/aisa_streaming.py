"""AIsa guide, "Streaming": the loop as the guide writes it, on openai and on seedclient."""

import asyncio
import os
import sys

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")


async def with_openai() -> None:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=API_KEY, base_url=BASE_URL)
    stream = await client.chat.completions.create(
        model="seed-1-8-251228",
        messages=[{"role": "user", "content": "Walk me through debugging this async race condition step by step."}],
        stream=True
    )

    async for chunk in stream:
        if chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()
    await client.close()


async def with_seedclient() -> None:
    from seedclient import SeedClient

    client = SeedClient(api_key=API_KEY, base_url=BASE_URL)
    stream = await client.chat.completions.create(
        model="seed-1-8-251228",
        messages=[{"role": "user", "content": "Walk me through debugging this async race condition step by step."}],
        stream=True
    )

    async for chunk in stream:
        if chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()
    await client.close()


if __name__ == "__main__":
    asyncio.run(with_openai() if sys.argv[1:] == ["openai"] else with_seedclient())
