"""Embeddings from the user's side: text vectors, Ark's multimodal endpoint whose `data` is one
object, dimensions, base64, and what the provider refuses."""

from __future__ import annotations

import base64
import math
import struct
from pathlib import Path

import msgspec
import pytest
from aioresponses import aioresponses
from yarl import URL

from seedclient import BadRequestError, ConfigurationError, NotFoundError, SeedClient
from seedclient.testing import FakeSeedServer
from seedclient.testing._images import png

from ..conftest import SECRET

ARK = "https://ark.ap-southeast.bytepluses.com/api/v3"


async def test_text_embeddings_one_vector_per_text() -> None:
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        done = await c.embeddings.create(model="embedding-vision", input=["a cat", "a dog"])
        again = await c.embeddings.create(model="embedding-vision", input="a cat", dimensions=1024)
    assert [e.index for e in done.data] == [0, 1]
    assert all(len(e.embedding) == 2048 for e in done.data)
    assert math.isclose(sum(v * v for v in done.data[0].embedding), 1.0, rel_tol=1e-3)
    assert done.data[0].embedding != done.data[1].embedding
    assert len(again.data[0].embedding) == 1024
    assert done.model == "skylark-embedding-vision-251215"  # the pinned id, as Ark answers
    assert done.usage is not None and done.usage.total_tokens > 0
    assert done.request_id


async def test_multimodal_data_is_one_object_and_comes_back_as_a_list(tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(png((10, 10, 200)))
    async with (
        FakeSeedServer() as server,
        SeedClient(provider=server.provider, base_url=server.url, api_key="t") as c,
    ):
        done = await c.embeddings.create_multimodal(
            model="embedding-vision",
            input=["a blue cat", {"type": "image_url", "image_url": {"url": picture}}],
            encoding_format="base64",
        )
    (only,) = done.data
    raw = base64.b64decode(only.embedding)  # type: ignore[arg-type]
    assert len(struct.unpack(f"<{len(raw) // 4}f", raw)) == 2048


async def test_the_multimodal_wire_shape_as_ark_sends_it() -> None:
    answer = {
        "id": "e-1",
        "object": "list",
        "model": "skylark-embedding-vision-251215",
        "created": 1,
        "data": {"object": "embedding", "embedding": [0.6, 0.8], "sparse_embedding": []},
        "usage": {
            "prompt_tokens": 9,
            "total_tokens": 9,
            "prompt_tokens_details": {"image_tokens": 5},
        },
    }
    with aioresponses() as m:
        m.post(ARK + "/embeddings/multimodal", payload=answer)
        async with SeedClient(api_key=SECRET) as c:
            done = await c.embeddings.create_multimodal(
                model="embedding-vision",
                input=[
                    "hi",
                    {"type": "image_url", "image_url": {"url": png((1, 2, 3))}},
                    {"type": "image_url", "image_url": "https://e.com/c.jpg"},  # url alone
                ],
                sparse_embedding=True,
            )
        (call,) = m.requests[("POST", URL(ARK + "/embeddings/multimodal"))]
    sent = msgspec.json.decode(call.kwargs["data"])
    assert sent["model"] == "skylark-embedding-vision-251215"
    assert sent["input"][0] == {"type": "text", "text": "hi"}
    assert sent["input"][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert sent["input"][2] == {"type": "image_url", "image_url": {"url": "https://e.com/c.jpg"}}
    assert sent["sparse_embedding"] == {"type": "enabled"}
    assert done.data[0].embedding == [0.6, 0.8] and done.data[0].sparse_embedding == []
    assert done.usage is not None and done.usage.prompt_tokens_details == {"image_tokens": 5}


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        ({"input": ["x"], "dimensions": 512}, "makes 2048, 1024"),
        ({"input": ["x"], "encoding_format": "int8"}, "float or base64"),
        ({"input": []}, "non-empty"),
        ({"input": [""]}, "non-empty"),
    ],
)
async def test_refused_before_sending(call: dict[str, object], needle: str) -> None:
    with aioresponses():  # nothing may be sent
        async with SeedClient(api_key=SECRET) as c:
            with pytest.raises(ConfigurationError, match=needle):
                await c.embeddings.create(model="embedding-vision", **call)  # type: ignore[arg-type]
            with pytest.raises(ConfigurationError, match="list of parts"):
                await c.embeddings.create_multimodal(model="embedding-vision", input="text")
            with pytest.raises(ConfigurationError, match="text, image_url or"):
                await c.embeddings.create_multimodal(
                    model="embedding-vision", input=[{"type": "audio"}]
                )


async def test_the_fake_refuses_what_the_provider_refuses() -> None:
    async with FakeSeedServer() as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="t", max_retries=0
        ) as c:
            with pytest.raises(BadRequestError, match="does not make embeddings"):
                await c.embeddings.create(model="seed-1.6-flash", input="x")
            with pytest.raises(NotFoundError):
                await c.embeddings.create(model="no-such-embedder", input="x")
            # Past the client's checks (extra_body): the server's own 400.
            with pytest.raises(BadRequestError, match="dimensions"):
                await c.embeddings.create(
                    model="embedding-vision", input="x", extra_body={"dimensions": 7}
                )
