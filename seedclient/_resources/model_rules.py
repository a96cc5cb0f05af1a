"""Per-model rules, checked before sending: the catalogue's limits as clear errors.

Each rule is a [ConfigurationError][seedclient.ConfigurationError] that names the parameter, the
model and what it accepts: ``thinking`` types, ``reasoning_effort`` values, ``thinking: disabled``
with a graded effort, ``response_format`` kinds, the output cap. A model id one edit away from a
known one, on a known provider, is refused with "did you mean ...?" (``extra_body={"model": ...}``
sends any id as it is).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._catalog import ModelSpec, family_of, known_names, suggest
from .._catalog import image_size as catalogue_image_size
from .._config import Provider
from .._errors import ConfigurationError

__all__ = ["check_model", "check_rules", "rules_of"]


def rules_of(provider: Provider, given: str, sent: str) -> ModelSpec | None:
    """The rules a model is held to: what the server's own listing said
    (``models.list(refresh_rules=True)``), else, on a Seed provider only, the catalogue's.

    A generic server gets no catalogue rules, even for a Seed model id (a gateway judges
    its own requests).
    """
    spec = provider.specs.get(sent)
    if spec is not None or not provider.seed:
        return spec
    return family_of(sent) or family_of(given)


def check_model(provider: Provider, given: str, sent: str) -> ModelSpec | None:
    """The rules of a model (see ``rules_of``), or None; refuse a likely typo on a
    Seed provider."""
    spec = rules_of(provider, given, sent)
    if spec is not None or not provider.aliases or sent.startswith("ep-"):
        return spec
    close = suggest(given, known_names())
    if close is not None:
        raise ConfigurationError(
            f"unknown model {given!r} on {provider.name}: did you mean {close!r}? (to send a "
            'brand-new id as it is, pass extra_body={"model": ...})'
        )
    return None


def _accepts(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "none"


def _type_of(value: Any) -> Any:
    """The ``type`` of a ``{"type": ...}`` parameter (None when absent or not a mapping)."""
    if value is None:  # exact-type checks first: isinstance against an ABC costs more
        return None
    if type(value) is dict or isinstance(value, Mapping):
        return value.get("type")
    return None


def check_rules(spec: ModelSpec, body: Mapping[str, Any]) -> None:
    """Refuse what the model refuses (the body as it will be sent)."""
    name = spec.family
    kind = _type_of(body.get("thinking"))
    if kind is not None and kind not in spec.thinking:
        raise ConfigurationError(
            f"thinking={kind!r} is not accepted by {name} (it takes {_accepts(spec.thinking)})"
        )
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in spec.efforts:
        raise ConfigurationError(
            f"reasoning_effort={effort!r} is not accepted by {name} "
            f"(it takes {_accepts(spec.efforts)})"
        )
    if (
        kind == "disabled"
        and effort not in (None, "none", "minimal")
        and not spec.effort_with_disabled
    ):
        raise ConfigurationError(
            f"{name} refuses thinking='disabled' with reasoning_effort={effort!r}: pass one of "
            "them (reasoning_effort='minimal' or 'none' switches reasoning off)"
        )
    fkind = _type_of(body.get("response_format"))
    if fkind is not None and fkind != "text" and fkind not in spec.response_formats:
        raise ConfigurationError(
            f"response_format type {fkind!r} is not accepted by {name} "
            f"(it takes {_accepts(spec.response_formats - {'text'})}); "
            "describe the JSON in the prompt instead (parse() does that for you)"
        )
    cap = body.get("max_completion_tokens")
    if isinstance(cap, int) and cap > spec.max_output:
        raise ConfigurationError(
            f"max_completion_tokens={cap} is above {name}'s cap of {spec.max_output} "
            "(reasoning included)"
        )


_ARK = frozenset({"byteplus", "volcengine"})


def check_image(provider: Provider, spec: ModelSpec | None, params: Mapping[str, Any]) -> None:
    """Seedream's rules before sending: the size per model, and no ``n`` on Ark."""
    if "n" in params and provider.name in _ARK:
        raise ConfigurationError(
            "Seedream on Ark has no n: pass sequential_image_generation='auto' and "
            "sequential_image_generation_options={'max_images': N} for several images"
        )
    if spec is not None and spec.kind == "image" and params.get("size") is not None:
        _, problem = catalogue_image_size(spec, params["size"])
        if problem is not None:
            raise ConfigurationError(problem)
