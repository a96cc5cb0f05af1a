"""The live progress of ``seedclient classify`` on stderr: rich's bar on a terminal (or with
``FORCE_COLOR``), else a line every few seconds; with what the run is waiting for."""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from .._bulk.runner import BatchRunner

__all__ = ["Progress"]

#: Seconds between plain progress lines (when stderr is not a terminal).
PLAIN_EVERY = 5.0


class Progress:
    """Shows how far a run is: rows of the total, rate, the state (rate limited, retrying),
    errors, 429s, retries, tokens and cost. ``tick`` samples the run once a second."""

    def __init__(self, runner: BatchRunner, total: int | None, enabled: bool) -> None:
        self.runner = runner
        self.stats = runner.stats
        self.total = total
        self.enabled = enabled
        self.timeline: list[dict[str, float]] = []
        self._started = time.monotonic()
        self._progress: Any = None
        self._task: Any = None
        self._last_plain = self._started
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar
        except ImportError:
            return
        console = Console(stderr=True)
        if not console.is_terminal:
            return
        self._progress = Bar(
            TextColumn("classifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}/s"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[state]}", style="bold yellow"),
            TextColumn("{task.fields[extra]}"),
            console=console,
            refresh_per_second=5,
        )
        self._progress.start()
        self._task = self._progress.add_task("classify", total=total, rate="0", state="", extra="")

    def state(self) -> str:
        """What the run is waiting for now ('' when it is sending)."""
        paused = self.runner.paused_for
        if paused >= 0.5:  # (shorter pauses would only flicker)
            return f"rate limited: resuming in {math.ceil(paused)} s"
        if self.stats.retrying:
            return f"retrying {self.stats.retrying}"
        return ""

    def _extra(self) -> str:
        s = self.stats
        parts = [
            f"errors {s.failed}",
            f"429s {s.throttled}",
            f"retried {s.retried}",
            f"tokens {s.prompt_tokens + s.completion_tokens:,}",
        ]
        if s.skipped:
            parts.insert(0, f"resumed {s.skipped:,}")
        if s.cost_usd is not None:
            parts.append(f"${s.cost_usd:.4f}")
        elif s.credits_used:
            parts.append(f"{s.credits_used:,.0f} credits")
        return " · ".join(parts)

    def update(self) -> None:
        """Show the counters now (cheap: rich redraws on its own clock)."""
        s = self.stats
        done = s.done + s.failed + s.skipped
        if self._progress is not None:
            self._progress.update(
                self._task,
                completed=done,
                rate=f"{s.requests_per_second:.0f}",
                state=self.state(),
                extra=self._extra(),
            )
        elif self.enabled:
            now = time.monotonic()
            if now - self._last_plain >= PLAIN_EVERY:
                self._last_plain = now
                of = f"/{self.total:,}" if self.total is not None else ""
                state = self.state()
                print(
                    f"classified {done:,}{of} · {s.requests_per_second:.0f}/s · "
                    + (f"{state} · " if state else "")
                    + self._extra(),
                    file=sys.stderr,
                    flush=True,
                )

    def tick(self) -> None:
        """Once a second: a point of the timeline (for the report), and the display."""
        s = self.stats
        self.timeline.append(
            {
                "t": round(time.monotonic() - self._started, 3),
                "rows": s.done + s.failed,
                "throttled": s.throttled,
                "retried": s.retried,
            }
        )
        self.update()

    def close(self) -> None:
        """The last sample; stop the bar."""
        self.tick()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    @property
    def wall(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self._started
