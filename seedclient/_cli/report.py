"""``--report run.html``: one self-contained page drawn from the run's summary.

Charts are inline SVG written here: a page that must open offline, years later, with no
script and no network, needs no charting library, and bars and polylines are a few lines
each. Every figure carries ``data-key`` (its path in the ``--summary-json`` document) so
that a reader, or a test, can tie the page to the JSON.
"""

from __future__ import annotations

import datetime
import html
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["render_report", "write_report"]

_PALETTE = ("#3b82f6", "#ef4444", "#10b981", "#f59e0b", "#8b5cf6", "#06b6d4", "#ec4899")
_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2937}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse}td,th{padding:.25rem .6rem;border:1px solid #e5e7eb;
text-align:right}th{background:#f9fafb}td.l,th.l{text-align:left}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #e5e7eb;border-radius:6px;
padding:.6rem 1rem}.card b{display:block;font-size:1.3rem}.grid{display:flex;gap:1.5rem;
flex-wrap:wrap}svg text{font:11px system-ui,sans-serif;fill:#374151}.muted{color:#6b7280}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(value: Any, key: str, fmt: str = "{:,}") -> str:
    shown = "n/a" if value is None else fmt.format(value)
    return f'<span data-key="{_e(key)}">{_e(shown)}</span>'


def _bars(values: Mapping[str, int], key: str, width: int = 520) -> str:
    """A horizontal bar per entry, its count at its end."""
    top = max(values.values(), default=0) or 1
    rows = []
    for i, (name, count) in enumerate(values.items()):
        y = 8 + i * 26
        w = round((width - 200) * count / top)
        colour = _PALETTE[i % len(_PALETTE)]
        rows.append(
            f'<text x="0" y="{y + 13}">{_e(name)}</text>'
            f'<rect x="130" y="{y}" width="{w}" height="18" fill="{colour}"/>'
            f'<text x="{136 + w}" y="{y + 13}" data-key="{_e(key)}.{_e(name)}">{count}</text>'
        )
    height = 16 + 26 * len(values)
    return f'<svg width="{width}" height="{height}" role="img">{"".join(rows)}</svg>'


def _histogram(bins: Sequence[int], key: str, colour: str) -> str:
    """Ten columns of confidence, 0 to 1."""
    top = max(bins, default=0) or 1
    cols = []
    for i, n in enumerate(bins):
        h = round(90 * n / top)
        cols.append(
            f'<rect x="{20 + i * 22}" y="{100 - h}" width="18" height="{h}" fill="{colour}">'
            f'<title data-key="{_e(key)}.{i}">{i / 10:.1f}-{(i + 1) / 10:.1f}: {n}</title>'
            "</rect>"
        )
    axis = '<text x="16" y="114">0</text><text x="232" y="114">1</text>'
    return f'<svg width="250" height="120" role="img">{"".join(cols)}{axis}</svg>'


def _lines(timeline: Sequence[Mapping[str, float]], width: int = 900) -> str:
    """Rows per second, and 429s and retries so far, over the run."""
    if len(timeline) < 2:
        return '<p class="muted">The run was too short to chart (under two seconds).</p>'
    end = timeline[-1]["t"] or 1.0
    rates = [0.0]
    for a, b in itertools.pairwise(timeline):
        span = b["t"] - a["t"]
        rates.append((b["rows"] - a["rows"]) / span if span > 0 else 0.0)
    series = {
        "rows/s": rates,
        "429s so far": [p["throttled"] for p in timeline],
        "retries so far": [p["retried"] for p in timeline],
    }
    out = []
    for i, (name, values) in enumerate(series.items()):
        peak = max(values)
        top = peak or 1.0
        points = " ".join(
            f"{40 + (width - 60) * p['t'] / end:.1f},{150 - 130 * v / top:.1f}"
            for p, v in zip(timeline, values, strict=True)
        )
        colour = _PALETTE[i]
        out.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>'
            f'<text x="{50 + 170 * i}" y="12" fill="{colour}">{_e(name)} (max {peak:,.0f})</text>'
        )
    axis = f'<text x="40" y="168">0 s</text><text x="{width - 60}" y="168">{end:.0f} s</text>'
    return f'<svg width="{width}" height="175" role="img">{"".join(out)}{axis}</svg>'


def _gold(gold: Mapping[str, Any] | None, labels: Sequence[str]) -> str:
    if gold is None:
        return '<p class="muted">No --gold-column: nothing to compare against.</p>'
    head = "".join(f"<th>{_e(p)}</th>" for p in labels)
    body = []
    for g in labels:
        row = gold["confusion"].get(g, {})
        total = sum(row.values()) or 1
        cells = []
        for p in labels:
            n = row.get(p, 0)
            tint = "16,185,129" if g == p else "239,68,68"  # right: green; wrong: red
            colour = f"rgba({tint},{0.08 + 0.6 * n / total:.2f})"
            cells.append(
                f'<td style="background:{colour}" data-key="gold.confusion.{_e(g)}.{_e(p)}">'
                f"{n}</td>"
            )
        body.append(f'<tr><th class="l">{_e(g)}</th>{"".join(cells)}</tr>')
    matrix = f'<table><tr><th class="l">gold \\ predicted</th>{head}</tr>{"".join(body)}</table>'
    per = []
    for label, m in gold["per_label"].items():
        k = f"gold.per_label.{label}"
        per.append(
            f'<tr><td class="l">{_e(label)}</td>'
            f"<td>{_num(m['precision'], k + '.precision', '{:.3f}')}</td>"
            f"<td>{_num(m['recall'], k + '.recall', '{:.3f}')}</td>"
            f"<td>{_num(m['support'], k + '.support')}</td></tr>"
        )
    scores = (
        '<table><tr><th class="l">label</th><th>precision</th><th>recall</th><th>rows</th>'
        f"</tr>{''.join(per)}</table>"
    )
    accuracy = _num(gold["accuracy"], "gold.accuracy", "{:.3f}")
    return (
        f"<p>Accuracy {accuracy} ({_num(gold['right'], 'gold.right')} of "
        f"{_num(gold['seen'], 'gold.seen')} rows with a gold label).</p>"
        f'<div class="grid"><div>{matrix}</div><div>{scores}</div></div>'
    )


def render_report(summary: Mapping[str, Any], *, title: str) -> str:
    """The report page for a summary (see ``--summary-json``)."""
    s = summary
    labels = list(s["labels"])
    cost = _num(s["cost_usd"], "cost_usd", "${:.6f}")
    cards = [
        ("rows", _num(s["rows"], "rows")),
        ("labelled", _num(s["labelled"], "labelled")),
        ("failed", _num(sum(s["failed"].values()), "failed_total")),
        ("prompt tokens", _num(s["prompt_tokens"], "prompt_tokens")),
        ("completion tokens", _num(s["completion_tokens"], "completion_tokens")),
        ("cost", cost),
        ("429s", _num(s["throttled"], "throttled")),
        ("retries", _num(s["retried"], "retried")),
    ]
    card_html = "".join(f'<div class="card">{name}<b>{value}</b></div>' for name, value in cards)
    failed = "".join(
        f'<li>{_e(k)}: <span data-key="failed.{_e(k)}">{v:,}</span></li>'
        for k, v in s["failed"].items()
    )
    histograms = "".join(
        f"<div><b>{_e(label)}</b><br>"
        f"{_histogram(bins, f'confidence_histogram.{label}', _PALETTE[i % len(_PALETTE)])}</div>"
        for i, (label, bins) in enumerate(s["confidence_histogram"].items())
    )
    least = "".join(
        f'<tr><td class="l">{_e(r["id"])}</td><td class="l">{_e(r["label"])}</td>'
        f'<td data-key="least_confident.{i}.confidence">{r["confidence"]:.4f}</td>'
        f'<td class="l">{_e(r.get("text", ""))}</td></tr>'
        for i, r in enumerate(s["least_confident"])
    )
    price = s.get("price")
    source = (
        f"Prices: {_e(price['source'])} {_e(price['as_of'])}."
        if price
        else "Cost as the provider reported it, or unknown."
    )
    made = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>{_STYLE}</style></head><body>
<h1>{_e(title)}</h1>
<p class="muted">Made {made}. {source} Resumed rows: {_num(s["resumed"], "resumed")}.</p>
<div class="cards">{card_html}</div>
{f"<ul>{failed}</ul>" if failed else ""}
<h2 id="labels">Labels</h2>{_bars(s["labels"], "labels")}
<h2 id="confidence">Confidence per label</h2><div class="grid">{histograms}</div>
<h2 id="least">The least confident rows</h2>
<table><tr><th class="l">id</th><th class="l">label</th><th>confidence</th>
<th class="l">text</th></tr>{least}</table>
<h2 id="gold">Against gold labels</h2>{_gold(s["gold"], labels)}
<h2 id="time">Throughput, 429s and retries over time (this run)</h2>{_lines(s["timeline"])}
</body></html>
"""


def write_report(path: str, summary: Mapping[str, Any], *, title: str) -> None:
    """Write the report page to ``path``."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(render_report(summary, title=title))
