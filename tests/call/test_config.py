"""Providers, key and URL precedence, aliases, and the http:// rule."""

from __future__ import annotations

import pytest

from seedclient import ConfigurationError, SeedClient, Timeout
from seedclient._config import PROVIDERS, resolve_model, resolve_settings

from ..conftest import SECRET


def test_default_provider_is_byteplus_with_ark_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARK_API_KEY", "ark-key")
    s = resolve_settings(None, None, None)
    assert s.provider.name == "byteplus"
    assert s.base_url == "https://ark.ap-southeast.bytepluses.com/api/v3"
    assert s.api_key == "ark-key"


def test_precedence_argument_then_seed_vars_then_provider_var(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AIMLAPI_API_KEY", "aiml-key")
    monkeypatch.setenv("SEED_PROVIDER", "aimlapi")
    assert resolve_settings(None, None, None).api_key == "aiml-key"
    monkeypatch.setenv("SEED_API_KEY", "seed-key")
    assert resolve_settings(None, None, None).api_key == "seed-key"
    assert resolve_settings(None, "arg-key", None).api_key == "arg-key"
    assert resolve_settings("aisa", "k", None).provider.name == "aisa"


def test_base_url_without_provider_means_generic(monkeypatch: pytest.MonkeyPatch) -> None:
    s = resolve_settings(None, "k", "https://llm.example.com/v1/")
    assert s.provider.name == "openai-compatible"
    assert s.base_url == "https://llm.example.com/v1"
    monkeypatch.setenv("SEED_BASE_URL", "https://other.example.com/v1")
    assert resolve_settings(None, "k", None).base_url == "https://other.example.com/v1"


def test_missing_key_names_every_variable_looked_at() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_settings("aimlapi", None, None)
    assert "SEED_API_KEY" in str(info.value)
    assert "AIMLAPI_API_KEY" in str(info.value)
    # And how to try it with no key at all.
    assert "`seedclient fake-server`" in str(info.value) and "FakeSeedServer" in str(info.value)


def test_unknown_provider() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown provider 'openai'"):
        resolve_settings("openai", "k", None)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:1/v1", True),
        ("http://[::1]:9/v1", True),
        ("http://api.example.com/v1", False),
        ("http://10.0.0.5/v1", False),
        ("https://api.example.com/v1", True),
        ("ftp://api.example.com", False),
    ],
)
def test_plain_http_only_to_loopback(url: str, ok: bool) -> None:
    if ok:
        assert resolve_settings(None, "k", url).base_url == url.rstrip("/")
    else:
        with pytest.raises(ConfigurationError):
            resolve_settings(None, "k", url)


def test_plain_http_allowed_on_request() -> None:
    s = resolve_settings(None, "k", "http://api.example.com/v1", allow_http=True)
    assert s.base_url == "http://api.example.com/v1"


@pytest.mark.parametrize(
    ("provider", "alias", "pinned"),
    [
        ("byteplus", "seed-1.6-flash", "seed-1-6-flash-250715"),
        ("volcengine", "seed-1.6-flash", "doubao-seed-1-6-flash-250715"),
        ("aimlapi", "seed-1.8", "bytedance/seed-1-8"),
        ("aimlapi", "seed-2.0-code", "bytedance/dola-seed-2-0-code"),
        ("aisa", "seed-1.8", "seed-1-8-251228"),
        ("byteplus", "ep-20250101-abcde", "ep-20250101-abcde"),
        ("byteplus", "seed-1-8-251228", "seed-1-8-251228"),
        ("openai-compatible", "seed-1.8", "seed-1.8"),
    ],
)
def test_aliases(provider: str, alias: str, pinned: str) -> None:
    assert resolve_model(PROVIDERS[provider], alias) == pinned


def test_alias_missing_on_provider_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match=r"seed-2\.0-code"):
        resolve_model(PROVIDERS["byteplus"], "seed-2.0-code")


def test_timeout_coercion_and_checks() -> None:
    assert Timeout.coerce(5).total == 5.0
    assert Timeout.coerce(None) == Timeout()
    with pytest.raises(ConfigurationError):
        Timeout(idle=0)
    with pytest.raises(ConfigurationError):
        Timeout.coerce("10")  # type: ignore[arg-type]


async def test_key_never_in_repr() -> None:
    async with SeedClient(api_key=SECRET) as client:
        assert SECRET not in repr(client)
        assert "byteplus" in repr(client)
        copy = client.with_options(timeout=3)
        assert SECRET not in repr(copy)
        assert copy.timeout.total == 3.0
        assert client.timeout.total == 600.0


def test_bad_client_options() -> None:
    with pytest.raises(ConfigurationError, match="max_retries"):
        SeedClient(api_key="k", max_retries=-1)
