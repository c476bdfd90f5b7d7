"""Jinja2 for everything a batch writes: HTML autoescaped, Markdown through safe filters.

Student ids, names, messages and errors are untrusted text; in HTML autoescaping makes them
inert, in Markdown they go into code spans or fenced blocks that they cannot close.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>&])")


def md_text(value: object) -> str:
    """Inline Markdown: every character that could format or open HTML is escaped."""
    return MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))


def md_block(value: object) -> str:
    """A fenced block with a fence longer than any run of backticks inside."""
    text = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
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

    env.filters.update(md_text=md_text, md_block=md_block, number=number, when=when)
    return env
