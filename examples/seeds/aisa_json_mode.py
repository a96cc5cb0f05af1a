"""AIsa guide, "JSON mode and structured output": json.loads on the answer."""

import asyncio
import json
import os
import sys

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")


async def main(client) -> None:
    response = await client.chat.completions.create(
        model="seed-1-8-251228",
        messages=[
            {
                "role": "user",
                "content": "Extract the company name, founding year, and HQ city from this text as JSON."
            }
        ],
        response_format={"type": "json_object"}
    )

    data = json.loads(response.choices[0].message.content)
    print(sorted(data))
    await client.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["openai"]:
        from openai import AsyncOpenAI

        asyncio.run(main(AsyncOpenAI(api_key=API_KEY, base_url=BASE_URL)))
    else:
        from seedclient import SeedClient

        asyncio.run(main(SeedClient(api_key=API_KEY, base_url=BASE_URL)))
