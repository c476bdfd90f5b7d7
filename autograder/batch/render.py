"""Jinja2 for everything a batch writes: HTML autoescaped, Markdown through safe filters.

Student ids, names, messages and errors are untrusted text; in HTML autoescaping makes them
inert, in Markdown they go into code spans or fenced blocks that they cannot close. Other text is
escaped only where Markdown would act on it, so feedback.md still reads well as plain text
(`test_framing.py`, not `test\\_framing\\.py`).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

# What CommonMark acts on inside a line: emphasis, code, links, HTML, table cells, escapes; an
# underscore only at a word's edge (https://spec.commonmark.org/0.31.2/#emphasis-and-strong-emphasis).
MD_SPECIAL = re.compile(r"([\\`*\[\]<>&|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
MD_BLOCK_START = re.compile(r"^([#>+\-=])")  # a heading, quote or list at the line's start
MD_ORDERED_START = re.compile(r"^(\d+)([.)])")


def md_text(value: object) -> str:
    """Inline Markdown: what could format, link or open HTML is escaped, nothing else."""
    text = MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    return MD_ORDERED_START.sub(r"\1\\\2", MD_BLOCK_START.sub(r"\\\1", text))


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def md_code(value: object) -> str:
    """A code span that the text cannot close: a longer run of backticks around it."""
    text = " ".join(str(value).split())
    fence = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_block(value: object) -> str:
    """A fenced block with a fence longer than any run of backticks inside."""
    text = str(value).rstrip("\n")
    fence = "`" * max(3, _longest_backticks(text) + 1)
    return f"{fence}text\n{text}\n{fence}"


def number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def environment(timezone: str = "UTC") -> Environment:
    env = Environment(loader=PackageLoader("autograder.batch", "templates"),
                      autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    zone = ZoneInfo(timezone)

    def when(value: datetime | None) -> str:
        return "–" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    env.filters.update(md_text=md_text, md_code=md_code, md_block=md_block, number=number,
                       when=when)
    return env
