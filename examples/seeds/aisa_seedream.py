"""AIsa guide, "Image generation: seedream-4-5-251128".

The guide's own ``size="1024x1024"`` is below Seedream 4.5's minimum of 3,686,400 pixels: the
provider answers 400 (seedclient refuses it before sending), printed here. The same request at ``2560x1440`` succeeds, and
``n=4`` makes four images (AIsa has ``n``; Ark has ``sequential_image_generation``).
"""

import asyncio
import os
import sys

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")


async def main(client, error: type[Exception]) -> None:
    try:
        response = await client.images.generate(
            model="seedream-4-5-251128",
            prompt="A photorealistic product shot of a glass water bottle on a white marble surface, soft studio lighting, 4K",
            n=1,
            size="1024x1024"   # see pricing page for available sizes up to 4K
        )
    except error as exc:
        print(f"refused: {exc}")

    response = await client.images.generate(
        model="seedream-4-5-251128",
        prompt="A photorealistic product shot of a glass water bottle on a white marble surface, soft studio lighting, 4K",
        n=1,
        size="2560x1440"
    )
    image_url = response.data[0].url
    print(image_url)

    # Generate 4 variations in one request
    response = await client.images.generate(
        model="seedream-4-5-251128",
        prompt="Abstract geometric logo for an AI infrastructure company, dark blue and cyan, clean lines",
        n=4,
        size="2560x1440"
    )

    for i, image in enumerate(response.data):
        print(f"Variation {i+1}: {image.url}")
    await client.close()


if __name__ == "__main__":
    if sys.argv[1:] == ["openai"]:
        from openai import AsyncOpenAI, BadRequestError

        asyncio.run(main(AsyncOpenAI(api_key=API_KEY, base_url=BASE_URL), BadRequestError))
    else:
        from seedclient import SeedClient, SeedError

        # seedclient refuses the guide's size before sending (a ConfigurationError); the
        # provider's 400 would be a BadRequestError. Both are SeedErrors.
        asyncio.run(main(SeedClient(api_key=API_KEY, base_url=BASE_URL), SeedError))
