"""``client.models``: the models the endpoint lists, and rules refreshed from them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .._call.requester import Requester
from .._catalog import from_listing
from .._config import Timeout
from .._wire.models import ModelsPage, models_decoder
from .raw import WithRawResponse

__all__ = ["Models"]


class Models:
    """``client.models``: the models the endpoint lists."""

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    @property
    def with_raw_response(self) -> WithRawResponse:
        """Each method here, answering with a [RawResponse][seedclient.RawResponse] (status,
        headers,
        request id, elapsed) whose ``parse()`` is what the method returns."""
        return WithRawResponse(self)

    async def list(
        self,
        *,
        refresh_rules: bool = False,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, str] | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
    ) -> ModelsPage:
        """``GET /models``: on Ark each entry carries its capabilities and token limits.

        With ``refresh_rules=True`` the client takes its per-model rules from the answer
        (output caps, context windows, structured-output kinds) in place of the
        catalogue's, and ids the catalogue does not know pass the "did you mean" check. On a
        generic server only what the listing states becomes a rule.
        Copies made by ``with_options()`` (and runners made) before keep the old rules.
        """
        requester = self._requester
        call = requester.call(
            "/models",
            None,
            timeout,
            extra_headers,
            method="GET",
            query=extra_query,
            max_retries=max_retries,
            operation="models",
        )
        page: ModelsPage = await call.send_decoded(models_decoder, "models")
        if refresh_rules:
            specs = dict(requester.provider.specs)
            seed = requester.provider.seed
            for info in page.data:  # a plain list (no matrix) still says which ids exist
                # A generic server's plain list says nothing of rules: none are made up.
                if info.id and (seed or info.features or info.token_limits):
                    specs[info.id] = from_listing(info.id, info.features, info.token_limits)
            requester.provider = dataclasses.replace(requester.provider, specs=specs)
        return page
