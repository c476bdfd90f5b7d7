"""Terminal output that text from students cannot drive.

Names, file names and messages come from students (manifests, file names, exceptions) or from an
LMS export. Printed raw, they could clear the TA's screen (escape sequences), overwrite a line
(`\\r`), or pose as our own output through rich markup (`[bold green link=...]16 of 16 PASSED[/]`).
Escaping at each print is a rule someone forgets once, so the CLI's console enforces it:
- markup is interpreted only in text made by `markup()`, which escapes every value put into it;
  any other string is shown exactly as written, brackets and all;
- control characters are shown as visible escapes (`\\x1b`) in every piece of text it renders
  (strings, tables, progress lines, `Text` objects), not only in strings it is handed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.markup import escape
from rich.segment import Segment
from rich.status import Status
from rich.text import Text

# C0 and C1 controls (but tab and newline, which only lay text out), DEL, and the Unicode
# direction overrides that can make a line read differently from what it holds.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("[\n\t]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean(text: str, one_line: bool = False) -> str:
    """`text` with control characters shown as escapes; with `one_line`, newlines and tabs too."""
    text = _CONTROL.sub(_visible, text)
    return _LINE_BREAK.sub(_visible, text) if one_line else text


class Markup(str):
    """A string whose rich markup is ours: only `markup()` makes one."""


def markup(template: str, *values: object) -> Markup:
    """Our markup around untrusted values: `markup("[bold]{}[/] collected", name)`.

    Each value is shown as text on one line: its control characters and markup are neutralised."""
    return Markup(template.format(*(escape(clean(str(v), one_line=True)) for v in values)))


class SafeConsole(Console):
    """A rich Console on which only `Markup` is markup and no control character reaches the tty."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["emoji"] = False  # `:smile:` in a student's name stays text
        if not isinstance(text, Markup):
            kwargs["markup"] = False
            text = clean(text)
        return super().render_str(text, **kwargs)

    def status(self, status: RenderableType, **kwargs: Any) -> Status:
        """A spinner line; rich would read a plain string as markup, so it becomes Text here."""
        if isinstance(status, str):
            status = self.render_str(status)
        return super().status(status, **kwargs)

    def render(self, renderable: RenderableType,
               options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and _CONTROL.search(segment.text):
                yield Segment(clean(segment.text), segment.style)
            else:
                yield segment
