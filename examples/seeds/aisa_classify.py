"""AIsa guide, "seed-1-6-flash-250715 — speed and throughput": 5,000 reviews concurrently.

Ported as written (the guide's ``asyncio.run(asyncio.gather(...))`` becomes an ``async def``,
since ``asyncio.run`` takes a coroutine). ``reviews`` are the texts of examples/reviews.csv;
the accuracy against its gold column is printed.
"""

import asyncio
import csv
import os
import sys
from pathlib import Path

BASE_URL = os.environ.get("SEED_EXAMPLE_BASE_URL", "https://api.aisa.one/v1")
API_KEY = os.environ.get("SEED_EXAMPLE_API_KEY", "YOUR_AISA_API_KEY")

rows = list(csv.DictReader(open(Path(__file__).parent.parent / "reviews.csv", encoding="utf-8")))
reviews = [r["text"] for r in rows]

if sys.argv[1:] == ["openai"]:
    from openai import AsyncOpenAI as Client
else:
    from seedclient import SeedClient as Client

client = Client(
    api_key=API_KEY,
    base_url=BASE_URL
)

async def classify(text: str) -> str:
    response = await client.chat.completions.create(
        model="seed-1-6-flash-250715",
        messages=[
            {"role": "system", "content": "Classify as: positive, negative, or neutral. Reply with one word."},
            {"role": "user", "content": text}
        ],
        max_tokens=5
    )
    return response.choices[0].message.content.strip()

# Process 5,000 reviews concurrently
semaphore = asyncio.Semaphore(100)

async def classify_with_limit(text):
    async with semaphore:
        return await classify(text)

async def main():
    results = await asyncio.gather(*[classify_with_limit(r) for r in reviews])
    await client.close()
    return results

results = asyncio.run(main())
right = sum(got == r["label"] for got, r in zip(results, rows))
print(f"accuracy: {right / len(rows):.3f} over {len(rows)} reviews")
