"""Answers to manual questions: the marked cells of a submission, kept for the TAs who grade them.

A markdown answer is read from the notebook itself; a code answer is what the cell displayed
when it ran in the sandbox. Both are the student's data: bounded here again (whatever the worker
claims), never executed, and shown escaped (text) or as an image (PNG with its signature checked).
"""

from __future__ import annotations

from typing import Any

from ..config import Assignment
from ..notebook import answer_mark
from ..sandbox.display_capture import MAX_OUTPUT_BYTES, MAX_OUTPUTS, MAX_TEXT_BYTES
from .results import Answer, AnswerOutput

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_CELLS_PER_QUESTION = 4


def checked_outputs(raw: Any) -> list[AnswerOutput]:
    """The worker's [mime, bytes] pairs that are what they claim and within bounds."""
    kept: list[AnswerOutput] = []
    for item in raw if isinstance(raw, list) else []:
        if not (isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[1], bytes)):
            continue
        mime, data = item
        if mime == "image/png" and data.startswith(PNG_SIGNATURE) and len(data) <= MAX_OUTPUT_BYTES:
            kept.append(AnswerOutput(mime=mime, data=data))
        elif mime == "text/plain":
            text = data[:MAX_TEXT_BYTES].decode("utf-8", errors="replace")
            kept.append(AnswerOutput(mime=mime, data=text.encode()))
        if len(kept) == MAX_OUTPUTS:
            break
    return kept


def collect_answers(nb: Any, assignment: Assignment,
                    outputs: dict[int, list[AnswerOutput]]) -> list[Answer]:
    """Every cell marked as answering one of the assignment's manual questions, in order."""
    answers: list[Answer] = []
    per_question: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        question = answer_mark(cell)
        if question not in assignment.manual or cell.cell_type not in ("markdown", "code"):
            continue
        per_question[question] = per_question.get(question, 0) + 1
        if per_question[question] > MAX_CELLS_PER_QUESTION:
            continue
        source = cell.source if isinstance(cell.source, str) else "".join(cell.source)
        answers.append(Answer(question=question, cell_index=index, kind=cell.cell_type,
                              text=source[:MAX_TEXT_BYTES], outputs=outputs.get(index, [])))
    return answers
