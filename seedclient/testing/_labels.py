"""How the fake model reads a classification prompt: the label set, however it is phrased.

People write label sets in many ways ("Classify as: a, b, or c.", "Answer with one of: ...",
"Categories:" followed by one label per line, quoted, in parentheses with slashes...). A
trigger phrase marks where a list may start; the list runs to the end of the sentence (or,
after a line break, one item per line). A list counts only with two or more short items.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LabelPrompt", "choose_label", "digest", "find_label_prompt", "find_labels"]

# Strong triggers: what follows is a label list unless it is too short or too long.
_STRONG = re.compile(
    r"""
    \b(?:classify|categori[sz]e|label|tag|sort|mark|rate)\b[^.\n:?]{0,60}?\b(?:as|into)\b
        (?:\s+(?:one\s+of|either))?(?:\s+(?:the\s+following|these|this\s+set))?
        (?:\s+(?:labels|categories|classes|options|groups))?\s*:?
  | \bone\s+of\b(?:\s+(?:the\s+following|these|those|the))?
        (?:\s+(?:\w+\s+)?(?:labels|categories|classes|options|values|words|choices))?\s*:?
  | (?:^|\b)(?:allowed\s+|valid\s+|possible\s+|available\s+)?
        (?:labels|categories|classes|options|choices|values|answers)\b\s*(?:are|is)?\s*:
  | \b(?:choose|pick|select)\b(?:\s+(?:one|a\s+label|a\s+category))?\s+
        (?:from|between|among|of)\b(?:\s+(?:the\s+following|these))?\s*:?
  | \bwhich\b[^:\n?]{0,60}:
  | \b(?:output|return|print|write|say)\b[^.\n:]{0,40}:
    """,
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
# Weak triggers: only quoted lists, or lists of plain words, count after them.
_WEAK = re.compile(
    r"""
    \b(?:reply|respond|answer)\b(?:\s+only)?\s+with\b(?:\s+(?:either|just|only))?
  | \beither\b
  | \b(?:is|was|are)\s+(?:this|it|that|the\s+\w+)(?:\s+\w+)?\s+(?=[^.?\n]*\bor\b[^.\n]*\?)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_PARENS = re.compile(r"\(\s*([^()\n]+?(?:\s*[/|]\s*[^()\n/|]+)+)\s*\)")
_ITEM_LINE = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)]|[a-z][.)])?\s*(\S[^\n]{0,60})$")
_SPLIT = re.compile(r"\s*(?:,|;|/|\||\bor\b|\band\b)\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<![A-Za-z]\.[A-Za-z])[.!?](?=\s|$)|\n|;\s+[A-Z]")
_QUOTES = "\"'`\u201c\u201d\u2018\u2019\u00ab\u00bb[]{}"
_FILLER = frozenset(
    [
        "the",
        "a",
        "an",
        "that",
        "this",
        "these",
        "with",
        "by",
        "of",
        "to",
        "for",
        "nothing",
        "else",
        "word",
        "words",
        "only",
        "label",
        "labels",
        "one",
        "each",
        "every",
        "which",
        "is",
        "are",
        "it",
        "be",
        "in",
        "on",
        "your",
        "you",
        "answer",
        "reply",
        "respond",
        "single",
        "text",
    ]
)
_INTENT = re.compile(
    r"\b(?:classify|categori[sz]e|label|tag|answer|reply|respond|choose|pick|select|output|"
    r"return|which|sort|rate|mark)",
    re.IGNORECASE,
)
#: Words that show a strong trigger caught a sentence, not a list.
_SENTENCE_WORDS = frozenset(["the", "that", "which", "every", "each", "nothing", "else"])
_WORDS = re.compile(r"[a-z']+")

POSITIVE = frozenset(
    [
        "good",
        "great",
        "excellent",
        "amazing",
        "love",
        "loved",
        "loves",
        "awesome",
        "fantastic",
        "perfect",
        "wonderful",
        "happy",
        "best",
        "recommend",
        "recommended",
        "nice",
        "pleased",
        "superb",
        "brilliant",
        "works",
        "fast",
        "easy",
        "comfortable",
        "beautiful",
        "delighted",
        "impressive",
        "reliable",
        "solid",
        "sturdy",
        "worth",
        "enjoy",
        "enjoyed",
        "glad",
        "favourite",
        "favorite",
        "fine",
    ]
)
NEGATIVE = frozenset(
    [
        "bad",
        "terrible",
        "awful",
        "hate",
        "hated",
        "worst",
        "poor",
        "broken",
        "broke",
        "disappointing",
        "disappointed",
        "refund",
        "useless",
        "slow",
        "waste",
        "cheap",
        "flimsy",
        "returned",
        "return",
        "defective",
        "crap",
        "horrible",
        "annoying",
        "fails",
        "failed",
        "failure",
        "stopped",
        "never",
        "problem",
        "problems",
        "issue",
        "issues",
        "not",
        "unhappy",
        "rude",
        "late",
        "missing",
        "wrong",
        "sucks",
    ]
)
_POS_LABELS = ("positive", "pos", "good", "happy", "satisfied", "favorable", "favourable")
_NEG_LABELS = ("negative", "neg", "bad", "unhappy", "dissatisfied", "unfavorable", "unfavourable")
_NEUTRAL_LABELS = ("neutral", "mixed", "none", "other")


@dataclass(frozen=True)
class LabelPrompt:
    """A label set found in a text, and where its instruction sits (to cut it out)."""

    labels: list[str]
    start: int
    end: int


def _clean(item: str) -> str:
    item = item.strip().strip(_QUOTES).strip()
    item = re.sub(r"^(?:[-*\u2022]|\d+[.)])\s*", "", item)
    item = re.sub(r"\s+only$", "", item, flags=re.IGNORECASE)
    return item.strip().rstrip(".:!?").strip().strip(_QUOTES).strip()


def _items(span: str, *, weak: bool) -> list[str] | None:
    quoted = re.findall(r"[\"'`\u201c\u2018]([^\"'`\u201d\u2019\n]{1,40})[\"'`\u201d\u2019]", span)
    raw = quoted if len(quoted) >= 2 else _SPLIT.split(span)
    items = [_clean(p) for p in raw]
    items = [p for p in items if p]
    if len(items) < 2 or len({i.casefold() for i in items}) != len(items):
        return None
    for item in items:
        words = item.split()
        if len(words) > 4 or len(item) > 40:
            return None
        filler = _FILLER if weak else _SENTENCE_WORDS
        if len(quoted) < 2 and any(w.casefold() in filler for w in words):
            return None
    return items


def _list_after(text: str, pos: int) -> tuple[str, int, bool]:
    """The candidate list after ``pos``: (span, end, one per line)."""
    rest = text[pos:]
    stripped = rest.lstrip(" \t:")
    if stripped.startswith("\n") or (not stripped and rest):
        # One item per line, up to a blank line or a line that is not an item.
        offset = pos + len(rest) - len(stripped)
        lines = []
        end = offset
        for line in stripped[1:].split("\n"):
            m = _ITEM_LINE.match(line)
            if m is None or len(m.group(1).split()) > 4 or m.group(1).endswith("."):
                break
            lines.append(m.group(1))
            end += len(line) + 1
        return "\n".join(lines), end + 1, True
    m = _SENTENCE_END.search(rest)
    end = pos + (m.start() if m else len(rest))
    return text[pos:end], end, False


def find_label_prompt(text: str) -> LabelPrompt | None:
    """The first label set stated in ``text``, or None."""
    found: list[LabelPrompt] = []
    for pattern, weak in ((_STRONG, False), (_WEAK, True)):
        for m in pattern.finditer(text):
            if not weak and not m.group().rstrip().endswith(":"):
                # Without a colon, only inside a sentence that asks for a label.
                head = max(text.rfind(c, 0, m.start()) for c in ".!?\n")
                if not _INTENT.search(text, head + 1, m.end()):
                    continue
            span, end, per_line = _list_after(text, m.end())
            if per_line:
                items = [_clean(line) for line in span.split("\n") if _clean(line)]
                ok = len(items) >= 2 and all(len(i.split()) <= 4 for i in items)
                labels = items if ok else None
            else:
                labels = _items(span, weak=weak)
            if labels:
                found.append(LabelPrompt(labels, m.start(), end))
                break
    for m in _PARENS.finditer(text):
        labels = _items(m.group(1).replace("|", "/"), weak=False)
        if labels:
            found.append(LabelPrompt(labels, m.start(), m.end()))
            break
    return min(found, key=lambda f: f.start) if found else None


def find_labels(text: str) -> list[str]:
    """The labels a classification prompt allows ([] when it states none)."""
    found = find_label_prompt(text)
    return found.labels if found else []


def digest(text: str) -> int:
    """A stable 64-bit hash of ``text``."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _pick(lowered: dict[str, str], names: Sequence[str]) -> str | None:
    return next((lowered[n] for n in names if n in lowered), None)


def choose_label(labels: Sequence[str], text: str) -> str:
    """The label for ``text``: a sentiment lexicon for sentiment labels, a stable hash otherwise."""
    lowered = {lab.casefold(): lab for lab in labels}
    pos, neg = _pick(lowered, _POS_LABELS), _pick(lowered, _NEG_LABELS)
    if pos is not None and neg is not None:
        words = _WORDS.findall(text.lower())
        score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
        if score > 0:
            return pos
        if score < 0:
            return neg
        neutral = _pick(lowered, _NEUTRAL_LABELS)
        if neutral is not None:
            return neutral
    return labels[digest(text) % len(labels)]
