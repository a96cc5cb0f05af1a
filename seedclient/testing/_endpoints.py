"""The other endpoints: Seedream images (and their downloads), embeddings, the model list."""

from __future__ import annotations

import asyncio
import base64
import struct
import time
import zlib
from typing import Any

import msgspec
from aiohttp import web

from .._catalog import FAMILIES, ModelSpec
from ._core import BODY, RID, FakeServerCore
from ._images import plan_images, png
from ._model import count_tokens, embedding
from ._rules import DIALECTS, check_embeddings, check_images

__all__ = ["EndpointHandlers"]

_encode = msgspec.json.encode
_DONE = b"data: [DONE]\n\n"


class EndpointHandlers(FakeServerCore):
    """``/images/generations``, ``/files/{name}``, ``/embeddings`` (and Ark's multimodal
    one) and ``GET /models``."""

    async def _images(self, request: web.Request) -> web.StreamResponse:
        rid = request[RID]
        body = request[BODY]
        spec, problem = check_images(self.dialect, body)
        if problem is not None:
            return self._refuse(problem, rid)
        planned = plan_images(self.dialect, spec, body, self.failed_images)
        digest = zlib.crc32(body["prompt"].encode())
        image = png(((digest >> 16) & 255, (digest >> 8) & 255, digest & 255))
        b64 = body.get("response_format") == "b64_json"
        items: list[dict[str, Any]] = []
        for p in planned:
            if p.error is not None:
                items.append({"error": p.error})
            elif b64:
                items.append({"b64_json": base64.b64encode(image).decode(), "size": p.size})
            else:
                name = f"{rid}-{p.index}.png"
                if len(self._files) > 1000:
                    self._files.clear()
                self._files[name] = image
                url = f"http://127.0.0.1:{self._actual_port}/files/{name}"
                items.append({"url": url, "size": p.size})
        made = sum(1 for p in planned if p.error is None)
        usage = {"generated_images": made, "output_tokens": 16384 * made}
        usage["total_tokens"] = usage["output_tokens"]
        model = self._served_model(body["model"])
        if body.get("stream") is True and self.dialect == "ark":
            return await self._image_events(request, model, items, usage, rid)
        out: dict[str, Any] = {"model": model, "created": int(time.time()), "data": items}
        if self.dialect == "aiml":
            out["meta"] = {"usage": {"credits_used": 84000 * made}}
        else:
            out["usage"] = usage
        return web.Response(
            body=_encode(out), headers={"x-request-id": rid}, content_type="application/json"
        )

    async def _image_events(
        self,
        request: web.Request,
        model: str,
        items: list[dict[str, Any]],
        usage: dict[str, Any],
        rid: str,
    ) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "x-request-id": rid}
        )
        await resp.prepare(request)
        created = int(time.time())
        for i, item in enumerate(items):
            kind = "partial_failed" if "error" in item else "partial_succeeded"
            event = {"type": f"image_generation.{kind}", "model": model, "image_index": i}
            event.update(item)
            event["created"] = created
            await self._event(resp, event)
            if self.ttft:
                await asyncio.sleep(self.ttft)
        done: dict[str, Any] = {"type": "image_generation.completed", "model": model}
        done.update(usage=usage, created=created)
        await self._event(resp, done)
        await resp.write(_DONE)
        await resp.write_eof()
        return resp

    @staticmethod
    async def _event(resp: web.StreamResponse, event: dict[str, Any]) -> None:
        await resp.write(
            f"event: {event['type']}\n".encode() + b"data: " + _encode(event) + b"\n\n"
        )

    async def _file(self, request: web.Request) -> web.Response:
        data = self._files.get(request.match_info["name"])
        if data is None:
            raise web.HTTPNotFound()
        return web.Response(body=data, content_type="image/png")

    async def _embeddings(self, request: web.Request) -> web.Response:
        """``/embeddings`` (a vector per text) and Ark's ``/embeddings/multimodal`` (one
        fused vector, ``data`` a single object)."""
        rid = request[RID]
        body = request[BODY]
        multimodal = request.path.endswith("/multimodal")
        spec, problem = check_embeddings(self.dialect, body, multimodal=multimodal)
        if problem is not None:
            return self._refuse(problem, rid)
        dims = body.get("dimensions") or (spec.dimensions[0] if spec else 1024)
        given = body["input"]
        texts = (
            [_encode(given).decode()]
            if multimodal
            else ([given] if isinstance(given, str) else given)
        )

        def item(i: int, key: str) -> dict[str, Any]:
            vector = embedding(key, dims)
            if body.get("encoding_format") == "base64":
                packed = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
                return {"index": i, "object": "embedding", "embedding": packed}
            return {"index": i, "object": "embedding", "embedding": vector}

        items = [item(i, key) for i, key in enumerate(texts)]
        tokens = sum(count_tokens(key) for key in texts)
        out: dict[str, Any] = {
            "id": rid,
            "object": "list",
            "model": self._served_model(body["model"]),
            "created": int(time.time()),
            "data": items[0] if multimodal else items,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        return web.Response(
            body=_encode(out), headers={"x-request-id": rid}, content_type="application/json"
        )

    async def _models(self, request: web.Request) -> web.Response:
        data = [self._model_entry(spec, pinned) for spec, pinned in self._served_ids()]
        return web.Response(
            body=_encode({"object": "list", "data": data}), content_type="application/json"
        )

    def _served_ids(self) -> list[tuple[ModelSpec, str]]:
        seen: dict[str, ModelSpec] = {}
        for spec in FAMILIES:
            for provider in DIALECTS[self.dialect]:
                pinned = spec.ids.get(provider)
                if pinned is not None:
                    seen.setdefault(pinned, spec)
        return [(spec, pinned) for pinned, spec in seen.items()]

    def _model_entry(self, spec: ModelSpec, pinned: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": pinned, "object": "model", "created": 0}
        entry["owned_by"] = "bytedance"
        if self.dialect != "ark":
            return entry
        # Ark's /models carries a capability matrix per model.
        chat = spec.kind == "chat"
        entry["domain"] = {"chat": "LLM", "embedding": "Embedding"}.get(spec.kind, "VLM")
        entry["status"] = "Running"
        entry["features"] = {
            "structured_outputs": {
                "json_object": "json_object" in spec.response_formats,
                "json_schema": "json_schema" in spec.response_formats,
            },
            "tools": {"function_calling": chat},
            "batch": {"batch_chat": chat, "batch_job": chat},
        }
        if chat:
            entry["token_limits"] = {
                "context_window": spec.context,
                "max_output_token_length": spec.max_output,
            }
        return entry
