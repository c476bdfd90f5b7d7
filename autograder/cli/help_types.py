"""`--help` names value types as a person reads them (TEXT, PATH, INTEGER), not as Python does.

typer (0.2x) prints each parameter's Python annotation in its help: `<str>`, `<list[Path]>`,
`<bool>`. A TA does not need to know Python to run the grader, so the app's group relabels
every parameter once, when typer builds the command tree.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, get_args

from typer.core import TyperGroup

LABELS: dict[object, str] = {str: "TEXT", Path: "PATH", int: "INTEGER", float: "NUMBER",
                             bool: "", datetime: "DATE-TIME"}


def type_label(param: Any) -> str:
    """TEXT, PATH..., a|b|c for choices, nothing for an on/off flag."""
    desc = param.type_descriptor
    if desc.is_choice:
        return "|".join(str(c.value if isinstance(c, Enum) else c) for c in desc.choices)
    annotation = desc.annotation
    if desc.is_list:
        (annotation,) = get_args(annotation) or (str,)
    label = LABELS.get(annotation, getattr(annotation, "__name__", "VALUE").upper())
    return f"{label}..." if desc.is_list and label else label


def _show(param: Any, label: str) -> None:
    param.display_type_rich = lambda ctx: label  # what typer's help prints in the type column


def relabel(command: Any) -> None:
    """Give every parameter of `command` and of its subcommands a plain type label."""
    for param in command.params:
        _show(param, type_label(param))
        if param.param_type_name == "argument" and param.metavar is None:
            param.metavar = param.name.upper()
    make_help_option = command.get_help_option

    def get_help_option(ctx: Any) -> Any:  # --help is made when help is asked for
        option = make_help_option(ctx)
        if option is not None:
            _show(option, "")
        return option

    command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        relabel(sub)


class PlainHelpGroup(TyperGroup):
    """The `autograder` group: help without Python type names, for every subcommand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relabel(self)
