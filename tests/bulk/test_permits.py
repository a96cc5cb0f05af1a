"""The cluster budget's ledger alone (no Ray): permit blocks within the limit in every span,
unused permits taken back, a 429's pause for everyone, TPM, and the stop, on a fake clock."""

from __future__ import annotations

import pytest

from seedclient import AuthenticationError
from seedclient._bulk.permits import PermitLedger
from seedclient.testing import FakeClock


def test_budget_never_issues_more_than_the_limit_in_its_span() -> None:
    clock = FakeClock(1000.0)
    budget = PermitLedger(rpm=50, tpm=None, window=10.0, clock=clock)
    issued: list[tuple[float, int]] = []
    for _ in range(2000):
        _, granted, ttl, wait, stopped = budget.take(7, 10, None)
        assert stopped is None
        if granted:
            assert ttl == budget.ttl
            issued.append((clock.now, granted))
        clock.advance(0.01 if granted else wait)
    span = budget.span
    assert span > 10.0
    for t, _ in issued:
        assert sum(n for s, n in issued if t <= s < t + span) <= 50


def test_budget_takes_back_unused_permits_and_pauses_on_a_429() -> None:
    clock = FakeClock(0.0)
    budget = PermitLedger(rpm=10, tpm=None, window=60.0, clock=clock)
    block, granted, *_ = budget.take(10, 1, None)
    assert granted == 10
    assert budget.take(1, 1, None)[1] == 0  # full
    budget.report({"unused": [(block, 4)]})
    assert budget.take(10, 1, None)[1] == 4  # the unused came back
    budget.report({"throttles": [2.5]})
    _, granted, _, wait, _ = budget.take(1, 1, None)
    assert granted == 0 and wait == pytest.approx(2.5)


def test_budget_tpm_and_the_stop() -> None:
    clock = FakeClock(0.0)
    budget = PermitLedger(rpm=None, tpm=1000, window=60.0, clock=clock)
    assert budget.take(50, 100, None)[1] == 10  # 1000 tokens / 100 each
    budget.report({"token_delta": -500})  # they cost less than estimated
    assert budget.take(50, 100, None)[1] == 5
    clock.advance(200.0)  # a new window: one request larger than the whole budget still goes
    assert budget.take(3, 5000, None)[1] == 1
    assert budget.take(1, 5000, None)[1] == 0
    budget.report({"fatal": AuthenticationError("401 bad key", status_code=401)})
    assert isinstance(budget.take(1, 1, None)[4], AuthenticationError)
