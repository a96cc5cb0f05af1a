"""Seedream from the user's side: reference images as files or bytes, AI/ML API's field names,
a stream of image events with a failed image, events of megabytes, and saving to files."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aioresponses import aioresponses
from yarl import URL

from seedclient import ConfigurationError, ImageEvent, SeedClient, StreamError
from seedclient.testing import FakeSeedServer
from seedclient.testing._images import png

from ..conftest import SECRET, web_server

ARK_IMAGES = "https://ark.ap-southeast.bytepluses.com/api/v3/images/generations"
AIML_IMAGES = "https://api.aimlapi.com/v1/images/generations"
ANSWER = {"model": "m", "created": 1, "data": [{"url": "https://x/1.png", "size": "2048x2048"}]}


def sent_body(m: aioresponses, url: str) -> dict[str, Any]:
    (call,) = m.requests[("POST", URL(url))]
    body: dict[str, Any] = msgspec.json.decode(call.kwargs["data"])
    return body


async def test_reference_images_as_a_path_and_bytes_are_sent_as_data_urls(tmp_path: Path) -> None:
    picture = png((200, 10, 10))
    path = tmp_path / "ref.png"
    path.write_bytes(picture)
    with aioresponses() as m:
        m.post(ARK_IMAGES, payload=ANSWER)
        async with SeedClient(api_key=SECRET) as client:
            await client.images.generate(
                model="seedream-4.5",
                prompt="the same bottle, in blue",
                image=[path, picture, "https://example.com/a.jpg"],
                size="2K",
            )
        body = sent_body(m, ARK_IMAGES)
    data_url = "data:image/png;base64," + base64.b64encode(picture).decode()
    assert body["image"] == [data_url, data_url, "https://example.com/a.jpg"]


@pytest.mark.parametrize(
    ("image", "needle"),
    [
        ("no/such/file.png", "neither an http"),
        (b"not an image at all", "not a jpeg, png"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (10 * 1024 * 1024), "10 MB"),
        (["https://example.com/a.jpg"] * 15, "at most 14"),
        (42, "a URL, a path or bytes"),
    ],
)
async def test_bad_reference_images_are_refused_before_sending(image: Any, needle: str) -> None:
    with aioresponses():  # nothing may be sent
        async with SeedClient(api_key=SECRET) as client:
            with pytest.raises(ConfigurationError, match=needle):
                await client.images.generate(model="seedream-4.5", prompt="p", image=image)


async def test_aiml_gets_its_field_names_and_width_height() -> None:
    with aioresponses() as m:
        m.post(AIML_IMAGES, payload=ANSWER)
        async with SeedClient(provider="aimlapi", api_key=SECRET) as client:
            await client.images.generate(
                model="seedream-4.5", prompt="p", size="2560x1440", image="https://e.com/a.png"
            )
        body = sent_body(m, AIML_IMAGES)
    assert body["image_size"] == {"width": 2560, "height": 1440}
    assert body["image_urls"] == ["https://e.com/a.png"]
    assert "size" not in body and "image" not in body


async def test_aiml_width_height_is_accepted_by_the_fake_twin() -> None:
    async with FakeSeedServer(dialect="aiml") as server:
        async with SeedClient(base_url=server.url, api_key="t", provider="aimlapi") as client:
            done = await client.images.generate(model="seedream-4.5", prompt="p", size="2560x1440")
    assert [d.size for d in done.data] == ["2560x1440"]


async def test_a_stream_of_four_images_with_one_failed(tmp_path: Path) -> None:
    async with FakeSeedServer(failed_images={2}) as server:
        async with SeedClient(provider=server.provider, base_url=server.url, api_key="t") as client:
            stream = client.images.stream(
                model="seedream-4.5",
                prompt="four views of a bottle",
                size="2K",
                sequential_image_generation="auto",
                sequential_image_generation_options={"max_images": 4},
                response_format="b64_json",
            )
            async with stream as events:
                seen = [e async for e in events]
            saved = await client.images.save(stream, tmp_path)
    assert all(isinstance(e, ImageEvent) for e in seen)
    assert [e.kind for e in seen] == [
        "partial_succeeded",
        "partial_succeeded",
        "partial_failed",
        "partial_succeeded",
        "completed",
    ]
    assert seen[2].image_index == 2 and seen[2].error is not None
    assert seen[2].error["code"] == "OutputImageSensitiveContentDetected"
    assert sorted(stream.images) == [0, 1, 2, 3]
    assert stream.usage is not None and stream.usage.generated_images == 3
    # The failed image is skipped; the other three are real PNG files.
    assert [p.name for p in saved] == ["image-1.png", "image-2.png", "image-4.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in saved)


async def test_saving_url_images_downloads_them_without_the_key(tmp_path: Path) -> None:
    async with FakeSeedServer() as server:
        async with SeedClient(
            provider=server.provider, base_url=server.url, api_key="the-key"
        ) as client:
            done = await client.images.generate(model="seedream-4.5", prompt="p", size="2K")
            assert done.data[0].url is not None and done.data[0].url.startswith("http")
            (path,) = await client.images.save(done, tmp_path, prefix="bottle")
    assert path.name == "bottle-1.png"
    assert path.read_bytes().startswith(b"\x89PNG")
    with pytest.raises(ConfigurationError, match="does not exist"):
        async with SeedClient(provider=server.provider, base_url=server.url, api_key="k") as client:
            await client.images.save(done, tmp_path / "missing")


async def test_image_events_of_megabytes_and_a_stream_cut_short() -> None:
    big = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(6 * 1024 * 1024)).decode()
    cut = False

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await resp.prepare(request)
        event = {"type": "image_generation.partial_succeeded", "image_index": 0, "b64_json": big}
        await resp.write(b"data: " + msgspec.json.encode(event) + b"\n\n")
        if not cut:
            done = {"type": "image_generation.completed", "usage": {"generated_images": 1}}
            await resp.write(b"data: " + msgspec.json.encode(done) + b"\n\ndata: [DONE]\n\n")
        await resp.write_eof()
        return resp

    async with (
        web_server("/images/generations", handler) as url,
        SeedClient(base_url=url, api_key="t") as client,
    ):
        async with client.images.stream(model="seedream-4.5", prompt="p") as events:
            kinds = [e.kind async for e in events]
        assert kinds == ["partial_succeeded", "completed"]
        assert len(events.images[0].b64_json or "") == len(big)
        cut = True
        with pytest.raises(StreamError, match="ended before its completed event"):
            async with client.images.stream(model="seedream-4.5", prompt="p") as events:
                [e async for e in events]


async def test_no_image_streams_on_aiml() -> None:
    async with SeedClient(provider="aimlapi", api_key=SECRET) as client:
        with pytest.raises(ConfigurationError, match="no image streams"):
            client.images.stream(model="seedream-4.5", prompt="p")
