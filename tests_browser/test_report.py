"""The HTML report of `seedclient classify --report`, opened in a real headless browser.

Run by ``nox -s browser``, which installs Debian's chromium when it is missing (as root) and
Pillow. The test reads the page as chromium renders it: every figure tagged ``data-key``
must equal the ``--summary-json`` document, and every chart must have a drawn size.
"""

from __future__ import annotations

import html.parser
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from .browser import chromium, needs_chromium

ROOT = Path(__file__).resolve().parents[1]
pytestmark = needs_chromium

# Appended to a copy of the page: each chart's rendered size and shapes, as attributes that
# --dump-dom then shows (the report itself has no script).
MEASURE = """<script>
for (const svg of document.querySelectorAll('svg')) {
  const box = svg.getBoundingClientRect();
  let drawn = 0;
  for (const s of svg.querySelectorAll('rect, polyline')) {
    const b = s.getBoundingClientRect();
    if (b.width > 0 || b.height > 0) drawn++;
  }
  svg.setAttribute('data-rendered', `${box.width}x${box.height}:${drawn}`);
}
</script>"""


class Figures(html.parser.HTMLParser):
    """data-key -> the text of the element (or the title of an SVG bar), and the charts."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self.charts: list[str] = []
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg":
            self.charts.append(a.get("data-rendered") or "")
        if tag not in ("meta", "br", "link", "img", "hr", "input"):  # no end tag to pop
            self._open.append(a.get("data-key"))

    def handle_endtag(self, tag: str) -> None:
        if self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        key = next((k for k in reversed(self._open) if k), None)
        if key is not None and self._open and self._open[-1] == key:
            self.figures[key] = self.figures.get(key, "") + data


def test_the_report_shows_the_summarys_figures_and_draws_every_chart(tmp_path: Path) -> None:
    report, summary_json, out = tmp_path / "run.html", tmp_path / "run.json", tmp_path / "o.jsonl"
    # Slow answers and a few 429s: a run of some seconds, with a timeline to draw.
    run = subprocess.run(
        [
            sys.executable, "-m", "seedclient", "classify", str(ROOT / "examples" / "reviews.csv"),
            "--labels", "positive,negative,neutral", "--id-column", "id", "--gold-column", "label",
            "--fake", "--model", "seed-1.8", "--concurrency", "8",
            "--fake-fault", "slow_first_byte=0.3", "--fake-fault", "rate_limit=0.05",
            "-o", str(out), "--report", str(report), "--summary-json", str(summary_json),
            "--no-progress",
        ],
        capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    s: dict[str, Any] = json.loads(summary_json.read_text())
    assert s["throttled"] > 0 and len(s["timeline"]) >= 3
    measured = tmp_path / "measured.html"
    measured.write_text(report.read_text().replace("</body>", MEASURE + "</body>"))
    page = Figures()
    page.feed(chromium("--dump-dom", measured.as_uri()))
    f = page.figures

    # Every number in the page is the JSON's.
    for label, count in s["labels"].items():
        assert f[f"labels.{label}"].strip() == str(count)
    assert f["rows"] == f"{s['rows']:,}" and f["labelled"] == f"{s['labelled']:,}"
    assert f["throttled"] == f"{s['throttled']:,}" and f["retried"] == f"{s['retried']:,}"
    assert f["cost_usd"] == f"${s['cost_usd']:.6f}"
    assert f["prompt_tokens"] == f"{s['prompt_tokens']:,}"
    gold = s["gold"]
    assert f["gold.accuracy"] == f"{gold['accuracy']:.3f}" and f["gold.seen"] == "300"
    for g, row in gold["confusion"].items():
        for p, n in row.items():
            assert f[f"gold.confusion.{g}.{p}"] == str(n)
    for label, m in gold["per_label"].items():
        assert f[f"gold.per_label.{label}.support"] == f"{m['support']:,}"
        if m["precision"] is not None:
            assert f[f"gold.per_label.{label}.precision"] == f"{m['precision']:.3f}"
    for label, bins in s["confidence_histogram"].items():
        for i, n in enumerate(bins):
            assert f[f"confidence_histogram.{label}.{i}"].endswith(f": {n}")
    for i, row in enumerate(s["least_confident"]):
        assert f[f"least_confident.{i}.confidence"] == f"{row['confidence']:.4f}"

    # Every chart is drawn: the label bars, a histogram per label, the timeline.
    assert len(page.charts) == 1 + len(s["labels"]) + 1
    for rendered in page.charts:
        size, shapes = rendered.split(":")
        width, height = (float(x) for x in size.split("x"))
        assert width > 100 and height > 50 and int(shapes) > 0, page.charts

    # And a picture of it, for a person to look at (kept beside the test's files).
    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri())
    from PIL import Image

    with Image.open(shot) as image:
        colours = {c for _, c in image.convert("RGB").getcolors(1 << 20) or []}
    for hex_colour in ("3b82f6", "ef4444", "10b981"):  # the bars and lines of the charts
        assert tuple(int(hex_colour[i : i + 2], 16) for i in (0, 2, 4)) in colours
    keep = os.environ.get("SEEDCLIENT_REPORT_SHOT")
    if keep:
        shutil.copy(shot, keep)
