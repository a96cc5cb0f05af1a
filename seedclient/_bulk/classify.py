"""Classifier: labels for many short texts, validated, with confidence, at the lowest cost."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import re
from collections.abc import AsyncIterable, Container, Iterable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from .._catalog import family_of
from .._client import SeedClient
from .._config import resolve_model
from .._errors import FATAL_ERRORS, ConfigurationError, EmptyTextError, InvalidLabelError
from .._prices import Price, price_of
from .._wire.chat import ChatCompletion, Usage
from .checkpoint import Checkpoint, checkpoint_id
from .estimate import CostEstimate, estimate_run
from .outcome import Classification
from .pool import BatchRun
from .prefix import CACHING_PROVIDERS, CachedPrefix
from .runner import BatchRunner

__all__ = ["Classification", "Classifier", "InvalidLabelError"]

log = logging.getLogger("seedclient.bulk")

_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb"
_SPACES = re.compile(r"\s+")
_PREFIX = re.compile(r"^(?:label|category|class|answer)\s*[:=-]\s*", re.IGNORECASE)
#: How many recent distinct texts' answers are remembered (least recently used dropped):
#: duplicates within that window are never sent twice, and memory stays flat.
DEDUPE_CACHE = 20_000


def normalize(answer: str) -> str:
    """Fold an answer for comparison: case, spacing, quotes, trailing punctuation, a prefix."""
    text = _SPACES.sub(" ", answer).strip().strip(_QUOTES).strip()
    text = _PREFIX.sub("", text).strip().strip(_QUOTES).rstrip(".!;:,").strip().strip(_QUOTES)
    return text.casefold()


class Classifier:
    """Classifies texts into a fixed set of labels with a Seed model.

    Args:
        client: the client to send with.
        labels: the allowed labels (at least two, distinct, no commas).
        model: the model; the flash model is the cheap, fast default.
        instructions: what to classify by (a sentence or two for the system prompt).
        examples: ``(text, label)`` pairs shown to the model.
        multi_label: allow several labels per text.
        runner: a [BatchRunner][seedclient.BatchRunner] to share limits with; else one is made from
            ``concurrency`` (default 64; 2,000 on Batch Chat), ``rpm``, ``tpm``,
            ``endpoint`` (``"batch"``: Ark's half-price Batch Chat, with an ``ep-bi-...``
            model), ``price`` and ``max_cost`` (see [BatchRunner][seedclient.BatchRunner]).
        cache_prefix: on Ark, store the instructions and labels once as a cached prefix of
            the Responses API and send each text as its continuation (the prefix billed at
            the cached price; no confidence then); elsewhere, chat as usual.
        extra_body: fields added to every request as they are (e.g. a local server's
            ``top_k`` or ``grammar``).

    Defaults keep cost and latency low: thinking off (``thinking`` or
    ``reasoning_effort``, whichever the provider takes), temperature 0, and a
    ``max_tokens`` sized to the longest label. Confidence is the probability of the answer's
    tokens: log-probabilities are asked for where the provider gives them (with
    ``top_logprobs=1`` on a generic server, which some send only then; a server that sends
    none is then no longer asked, and confidence stays ``None``).
    """

    def __init__(
        self,
        client: SeedClient,
        *,
        labels: Sequence[str],
        model: str = "seed-1.6-flash",
        instructions: str | None = None,
        examples: Sequence[tuple[str, str]] | None = None,
        multi_label: bool = False,
        runner: BatchRunner | None = None,
        concurrency: int | None = None,
        rpm: int | None = None,
        tpm: int | None = None,
        endpoint: Literal["chat", "batch"] = "chat",
        extra_body: Mapping[str, Any] | None = None,
        price: Price | None = None,
        max_cost: float | None = None,
        cache_prefix: bool = False,
    ) -> None:
        labels = [str(lab).strip() for lab in labels]
        if len(labels) < 2:
            raise ConfigurationError("labels must hold at least two labels")
        if any(not lab or "," in lab or "\n" in lab for lab in labels):
            raise ConfigurationError("labels must be non-empty and hold no commas or newlines")
        self._by_norm = {normalize(lab): lab for lab in labels}
        self._exact = frozenset(labels)
        if len(self._by_norm) != len(labels):
            raise ConfigurationError("labels must be distinct (ignoring case and punctuation)")
        self.labels = labels
        self.model = model
        self.multi_label = multi_label
        self.client = client
        if runner is not None and (price is not None or max_cost is not None):
            raise ConfigurationError("with runner=, set price and max_cost on the runner")
        self.runner = runner or BatchRunner(
            client,
            concurrency=concurrency,
            rpm=rpm,
            tpm=tpm,
            endpoint=endpoint,
            price=price,
            max_cost=max_cost,
        )
        for _text, label in examples or ():
            if normalize(label) not in self._by_norm:
                raise ConfigurationError(f"example label {label!r} is not one of the labels")
        self._system = self._system_prompt(instructions, examples or ())
        self._params = self._base_params()
        if extra_body:
            self._params["extra_body"] = dict(extra_body)
        #: The cached Responses prefix each text continues (``cache_prefix``), or None.
        self.prefix = self._prefix(cache_prefix)
        self._inflight: dict[str, asyncio.Future[Classification] | None] = {}
        self._cache: dict[str, tuple[str | None, list[str] | None, float | None]] = {}

    def _prefix(self, wanted: bool) -> CachedPrefix | None:
        if not wanted:
            return None
        provider = self.client.requester.provider
        if provider.name not in CACHING_PROVIDERS:
            log.info("cache_prefix needs Ark's Responses API; %s: sending by chat", provider.name)
            return None
        self._params.pop("logprobs", None)  # (no log-probabilities through responses)
        self._params.pop("top_logprobs", None)
        return CachedPrefix(self.client, self.model, self._system)

    def _system_prompt(self, instructions: str | None, examples: Sequence[tuple[str, str]]) -> str:
        how = (
            "Answer with every label that applies, separated by commas, and nothing else."
            if self.multi_label
            else "Answer with exactly one of the labels, and nothing else."
        )
        lines = [instructions or "Classify the text.", how, "Labels: " + ", ".join(self.labels)]
        if examples:
            lines.append("Examples:")
            lines.extend(f"Text: {t}\nLabel: {lab}" for t, lab in examples)
        return "\n".join(lines)

    def _base_params(self) -> dict[str, Any]:
        provider = self.client.requester.provider
        rejects = provider.rejects
        params: dict[str, Any] = {"model": self.model, "temperature": 0}
        params.update(self._no_reasoning(rejects))
        longest = max(len(lab) for lab in self.labels)
        budget = (
            sum(len(lab) for lab in self.labels) + len(self.labels) if self.multi_label else longest
        )
        params["max_tokens"] = budget // 2 + 4
        if "logprobs" not in rejects:
            params["logprobs"] = True
            if not provider.seed:  # llama.cpp-based servers send them only with top_logprobs
                params["top_logprobs"] = 1
        return params

    def _no_logprobs(self, asked: Mapping[str, Any]) -> None:
        """``asked`` got no log-probabilities: add ``top_logprobs``, or if it had it, stop."""
        params = self._params
        if "top_logprobs" not in asked:
            if params.get("logprobs"):  # (not if an answer to a later request stopped it)
                params.setdefault("top_logprobs", 1)
        elif params.pop("logprobs", None):
            params.pop("top_logprobs", None)
            log.info("the server sends no log-probabilities: confidence will be None")

    def _no_reasoning(self, rejects: frozenset[str]) -> dict[str, Any]:
        """The cheapest parameters that switch reasoning off for this model and provider."""
        provider = self.client.requester.provider
        spec = family_of(resolve_model(provider, self.model)) or family_of(self.model)
        if spec is None:  # not in the catalogue: the switch most Seed models take
            return {"thinking": "disabled"} if "thinking" not in rejects else {}
        options: list[dict[str, Any]] = [dict(spec.no_reasoning)]
        if "disabled" in spec.thinking:
            options.append({"thinking": "disabled"})
        options += [{"reasoning_effort": e} for e in ("none", "minimal") if e in spec.efforts]
        for option in options:
            if not rejects & option.keys():
                kind = option.get("thinking")
                if isinstance(kind, dict):
                    option = {"thinking": kind.get("type")}
                return option
        return {}  # e.g. AI/ML's routes: no documented way to switch reasoning off

    # ------------------------------------------------------------------ one text

    def _parse(self, answer: str) -> list[str] | None:
        if answer in self._exact and not self.multi_label:
            return [answer]  # the usual answer: a label exactly as written (no regex)
        parts = answer.split(",") if self.multi_label else [answer]
        found = []
        for part in parts:
            label = self._by_norm.get(normalize(part))
            if label is None:
                return None
            if label not in found:
                found.append(label)
        return found or None

    @staticmethod
    def _confidence(done: ChatCompletion) -> float | None:
        lp = done.choices[0].logprobs if done.choices else None
        if lp is None or not lp.content:
            return None
        return math.exp(sum(t.logprob for t in lp.content))

    async def _ask(self, index: int, key: str | None, text: str) -> Classification:
        messages: list[dict[str, str]] = [
            {"role": "system", "content": self._system},
            {"role": "user", "content": text},
        ]
        usage: Usage | None = None
        for attempt in range(2):
            asked = {**self._params, "messages": messages}
            send = self.prefix.send if self.prefix is not None else None
            done, error, _ = await self.runner.attempt(asked, send)
            if error is not None:
                if isinstance(error, FATAL_ERRORS):
                    raise error
                return Classification(index=index, id=key, text=text, error=error, usage=usage)
            assert done is not None
            usage = _add_usage(usage, done.usage)
            answer = done.content or ""
            found = self._parse(answer)
            if found is not None:
                confidence = self._confidence(done)
                if confidence is None and asked.get("logprobs"):
                    self._no_logprobs(asked)
                return Classification(
                    index=index,
                    id=key,
                    text=text,
                    label=None if self.multi_label else found[0],
                    labels=found if self.multi_label else None,
                    confidence=confidence,
                    usage=usage,
                )
            if attempt == 0:  # once more, told plainly what went wrong
                messages += [
                    {"role": "assistant", "content": answer},
                    {
                        "role": "user",
                        "content": f"{answer.strip()[:80]!r} is not an allowed label. Reply with "
                        + ("labels" if self.multi_label else "one label")
                        + " from this list, exactly as written: "
                        + ", ".join(self.labels),
                    },
                ]
        return Classification(
            index=index,
            id=key,
            text=text,
            usage=usage,
            error=InvalidLabelError(
                f"answer {answer[:200]!r} is not among the labels", answer=answer
            ),
        )

    async def _classify_one(self, index: int, key: str | None, text: str) -> Classification:
        if not text.strip():
            error = EmptyTextError("the text is empty or only whitespace: nothing was sent")
            return Classification(index=index, id=key, text=text, error=error)
        cache = self._cache
        answer = cache.pop(text, None)
        if answer is not None:
            cache[text] = answer  # most recently used again
            return Classification(
                index=index,
                id=key,
                text=text,
                label=answer[0],
                labels=answer[1],
                confidence=answer[2],
            )
        inflight = self._inflight
        if text in inflight:
            waiter = inflight[text]
            if waiter is None:
                waiter = inflight[text] = asyncio.get_running_loop().create_future()
            first = await asyncio.shield(waiter)
            return msgspec.structs.replace(first, index=index, id=key, usage=None)
        # The first of its text: ask. A future is made only if a duplicate comes meanwhile.
        inflight[text] = None
        try:
            result = await self._ask(index, key, text)
        except BaseException as exc:
            waiter = inflight.pop(text)
            if waiter is not None:
                waiter.set_exception(exc)
                waiter.exception()  # retrieved: the duplicates may be gone already
            raise
        waiter = inflight.pop(text)
        if waiter is not None:
            waiter.set_result(result)
        if result.error is None:
            if len(cache) >= DEDUPE_CACHE:
                del cache[next(iter(cache))]
            cache[text] = (result.label, result.labels, result.confidence)
        return result

    # ------------------------------------------------------------------ many texts

    def classify(
        self,
        texts: Iterable[Any] | AsyncIterable[Any],
        *,
        ordered: bool = False,
        checkpoint: str | os.PathLike[str] | None = None,
        include_text: bool = False,
        retry_failed: bool = True,
    ) -> BatchRun[Classification]:
        """Classify texts: each a string, an ``(id, text)`` pair or a dict with ``text``
        (and ``id``).

        Yields a [Classification][seedclient.Classification] per text as it finishes
        (``ordered=True``: in input order). Identical texts are sent once and the answer shared.
        With ``checkpoint`` (a ``.jsonl`` or ``.csv`` path) each result row is appended as it
        finishes and ids already labelled there are skipped (those whose latest row is an error are
        sent again unless ``retry_failed=False``), so a rerun after a crash or a failure completes
        the file with every input exactly once; the file is compacted to one row per id when the run
        ends. A second run on the same file raises ``CheckpointLockedError`` before sending
        anything.
        """
        fields = [
            "id",
            *(["text"] if include_text else []),
            "labels" if self.multi_label else "label",
            "confidence",
            "error",
        ]
        ckpt = (
            Checkpoint(checkpoint, fields=fields, retry_failed=retry_failed)
            if checkpoint is not None
            else None
        )
        if ckpt is not None and (len(ckpt.done) or ckpt.resumed_failed):
            log.info(
                "resuming %s: %d ids already done are skipped (runner.stats.skipped), "
                "%d failed ids are sent again",
                ckpt.path,
                len(ckpt.done),
                ckpt.resumed_failed,
            )
        stats = self.runner.stats

        async def work(index: int, key: str | None, text: str) -> Classification:
            result = await self._classify_one(index, key, text)
            result.id = checkpoint_id(index, key)
            if result.error is None:
                stats.done += 1
            else:
                stats.failed += 1
            if ckpt is not None:
                ckpt.append(result.row(include_text=include_text, multi_label=self.multi_label))
            return result

        return BatchRun(
            self.runner.concurrency,
            self.runner.stats,
            texts,
            _split_text,
            work,
            ordered=ordered,
            checkpoint=ckpt,
            hooks=self.client.requester.hooks,
            kind="classify",
        )

    def estimate(self, texts: Iterable[Any], *, done: Container[str] | None = None) -> CostEstimate:
        """What classifying ``texts`` would send and cost, sending nothing: texts, distinct
        texts, estimated tokens and, where a price is known (the runner's, else the
        catalogue's), USD. ``done``: ids to leave out (e.g. those already in a results file).
        """
        provider = self.client.requester.provider
        runner = self.runner
        return estimate_run(
            (_split_text(index, item) for index, item in enumerate(texts)),
            system=self._system,
            labels=self.labels,
            multi_label=self.multi_label,
            price=runner.price or price_of(provider.name, resolve_model(provider, self.model)),
            batch=runner.endpoint == "batch",
            done=done,
        )

    async def classify_all(self, texts: Iterable[Any]) -> list[Classification]:
        """Classify a small collection and return the results in input order."""
        async with self.classify(texts, ordered=True) as results:
            return [r async for r in results]


def _split_text(index: int, item: Any) -> tuple[int, str | None, str]:
    if isinstance(item, str):
        return index, None, item
    if isinstance(item, Mapping) and isinstance(item.get("text"), str):
        key = item.get("id")
        return index, None if key is None else str(key), item["text"]
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], str):
        return index, None if item[0] is None else str(item[0]), item[1]
    raise ConfigurationError(
        f"item {index} is not a text, an (id, text) pair or a dict with 'text'"
    )


def _add_usage(total: Usage | None, more: Usage | None) -> Usage | None:
    if more is None:
        return total
    return more if total is None else total + more
