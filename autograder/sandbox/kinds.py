"""The sandbox kinds a TA can choose (`--sandbox`), by name."""

from __future__ import annotations

from ..errors import UserError
from .launch import Bubblewrap, Launcher, NoSandbox
from .template_launcher import TemplatePool


def make_launcher(kind: str) -> Launcher:
    """bwrap: warm template in bubblewrap (default); bwrap-cold: a fresh sandbox per worker;
    none: no sandbox at all."""
    if kind == "none":
        return NoSandbox()
    if kind == "bwrap-cold":
        return Bubblewrap()
    if kind == "bwrap":
        return TemplatePool()
    raise UserError(f"unknown sandbox {kind!r}: use bwrap, bwrap-cold or none")
