"""What both transports need of the network around them: proxies, certificates, keep-alive.

Proxies are read from the environment once (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, in either case) and decided once per scheme and host: aiohttp's own
``trust_env`` reads the whole environment (and ``~/.netrc``) again on every request, a cost
the hot path should not carry, so the rule is applied here with the standard library's
reading of those variables.
"""

from __future__ import annotations

import os
import socket
import ssl as ssl_module
from typing import Any
from urllib.parse import urlsplit

from .._errors import ConfigurationError

__all__ = ["ProxyRoutes", "SSLOption", "keepalive_socket", "ssl_context"]

#: ``ssl=``: a context, or a CA bundle file or folder (None: the system's, which honours
#: ``SSL_CERT_FILE`` and ``SSL_CERT_DIR``).
SSLOption = ssl_module.SSLContext | str | os.PathLike[str] | None


def ssl_context(option: SSLOption) -> ssl_module.SSLContext | None:
    """The context to verify servers with (None: the library's default)."""
    if option is None or isinstance(option, ssl_module.SSLContext):
        return option
    path = os.fspath(option)
    if os.path.isdir(path):
        return ssl_module.create_default_context(capath=path)
    if os.path.isfile(path):
        return ssl_module.create_default_context(cafile=path)
    raise ConfigurationError(
        f"ssl must be an ssl.SSLContext or a CA bundle file or folder; {path!r} is neither"
    )


def _check_proxy(url: str, origin: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = f"{parts.scheme}://{parts.hostname}" if parts.hostname else "it"
        raise ConfigurationError(
            f"the proxy from {origin} ({shown}) must be an http:// or https:// URL "
            "(for SOCKS, use HttpxTransport with httpx's socks extra)"
        )
    return url


class ProxyRoutes:
    """Which proxy a request goes through: ``proxy`` if given, else the environment's."""

    __slots__ = ("_cache", "_env", "_fixed")

    def __init__(self, proxy: str | None, *, trust_env: bool = True) -> None:
        # urllib.request is imported here, not at the top: it pulls in http.client and the
        # email package, about a twentieth of `import seedclient`; aiohttp loads it anyway
        # by the time a client exists.
        import urllib.request

        self._fixed = None if proxy is None else _check_proxy(proxy, "proxy=")
        env = urllib.request.getproxies() if trust_env and proxy is None else {}
        self._env = {k: v for k, v in env.items() if k in ("http", "https", "all", "no")}
        self._cache: dict[str, str | None] = {}

    @property
    def active(self) -> bool:
        """Whether any request may go through a proxy."""
        return self._fixed is not None or any(k != "no" for k in self._env)

    def for_url(self, url: str) -> str | None:
        """The proxy for ``url``, or None for a direct connection."""
        if self._fixed is not None:
            return self._fixed
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key in self._cache:
            return self._cache[key]
        env = self._env
        chosen = env.get(parts.scheme) or env.get("all")
        import urllib.request  # (loaded by __init__: a lookup in sys.modules)

        # proxy_bypass_environment: the standard library's NO_PROXY rule (not in typeshed).
        bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
        if chosen is not None and bypass(parts.hostname or "", env):
            chosen = None
        if chosen is not None:
            chosen = _check_proxy(chosen, f"{parts.scheme.upper()}_PROXY or ALL_PROXY")
        self._cache[key] = chosen
        return chosen


def keepalive_socket(addr_info: Any) -> socket.socket:
    """A socket with TCP keep-alive on: a pooled connection that a NAT or a load balancer
    dropped while idle is found out by the kernel, not by the next request."""
    family, kind, proto = addr_info[0], addr_info[1], addr_info[2]
    sock = socket.socket(family=family, type=kind, proto=proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock
