"""The benchmark guard's verdict (benchmarks/guard.py): a ratio to the floor more than 2%
above the recorded one fails; the same or lower passes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _guard() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # guard imports callgrind_ab beside it
    try:
        spec = importlib.util.spec_from_file_location("guard", BENCH / "guard.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


RECORDED = {"request": {"seedclient": 600_000, "floor": 600_000, "ratio": 1.0}}


def test_a_rise_past_two_percent_fails_and_says_what_rose() -> None:
    guard = _guard()
    now = {"request": {"seedclient": 618_000, "floor": 600_000, "ratio": 1.03}}
    (failure,) = guard.check(now, RECORDED)
    assert failure.startswith("request: 618,000 instructions, 1.030x the floor")
    assert "recorded 600,000, 1.000x" in failure


def test_within_two_percent_or_lower_passes() -> None:
    guard = _guard()
    assert (
        guard.check(
            {"request": {"seedclient": 611_000, "floor": 600_000, "ratio": 1.018}}, RECORDED
        )
        == []
    )
    assert (
        guard.check(
            {"request": {"seedclient": 580_000, "floor": 600_000, "ratio": 0.967}}, RECORDED
        )
        == []
    )


def test_a_figure_never_recorded_fails() -> None:
    guard = _guard()
    now = {"chunk": {"seedclient": 40_000, "floor": 66_000, "ratio": 0.606}}
    assert guard.check(now, RECORDED) == [
        "chunk: no recorded figure in baseline.json (run --record)"
    ]


def test_the_recorded_baseline_holds_every_figure_the_guard_measures() -> None:
    import json

    guard = _guard()
    recorded = json.loads((BENCH / "baseline.json").read_text())["figures"]
    assert set(recorded) == set(guard.FIGURES)
    for row in recorded.values():
        assert row["ratio"] == round(row["seedclient"] / row["floor"], 4)
