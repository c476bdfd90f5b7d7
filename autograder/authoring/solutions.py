"""nbgrader's solution markers: `### BEGIN SOLUTION` ... `### END SOLUTION` become a stub."""

from __future__ import annotations

from IPython.core.inputtransformer2 import TransformerManager

from ..errors import UserError

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
MARKDOWN_STUB = ("YOUR ANSWER HERE",)


def strip_solutions(source: str, where: str, code: bool = True) -> str:
    """Replace every solution region with the stub, keeping the marker's indentation."""
    out: list[str] = []
    inside: int | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside is not None:
                raise UserError(f"{where}: line {number}: {BEGIN} inside another solution region "
                                f"(opened on line {inside}); regions cannot be nested")
            inside = number
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + stub for stub in (CODE_STUB if code else MARKDOWN_STUB)]
        elif marker == END:
            if inside is None:
                raise UserError(f"{where}: line {number}: {END} without a matching {BEGIN}")
            inside = None
        elif inside is None:
            out.append(line)
    if inside is not None:
        raise UserError(f"{where}: line {inside}: {BEGIN} is never closed by {END}")
    stripped = "\n".join(out)
    if code and stripped != source:
        check_compiles(stripped, where)
    return stripped


def check_compiles(source: str, where: str) -> None:
    try:
        compile(TransformerManager().transform_cell(source), where, "exec")
    except SyntaxError as exc:
        raise UserError(f"{where}: the student stub does not compile (line {exc.lineno}: "
                        f"{exc.msg}); keep code around the solution region valid") from None

