"""How long `check("<question>")` takes for a student, measured in-process (for `make bench`).

The notebook's code cells run in an IPython InteractiveShell in this process, in the notebook's
folder (as a Jupyter kernel would), with the notebook's own self-check cell if it has one. Then one
`check(question)` call is timed: the first one, which is the slowest and what a student waits for.
Only for trusted notebooks (a course's own solutions): the cells run unconfined here.
"""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path

from ..errors import UserError
from ..grading.grade import NOTEBOOK_METADATA_KEY
from ..notebook import code_cells, read_notebook
from .released import released_id
from .selfcheck import enable_checks


def time_check(notebook_path: Path, question: str, release: Path | None = None) -> float:
    """Seconds of the first `check(question)` after all of the notebook's cells ran.

    `release` is the release folder when it is not the notebook's own folder (e.g. timing the
    solution notebook in source/<id>/ against release/<id>/).
    """
    from IPython.core.interactiveshell import InteractiveShell

    notebook_path = Path(notebook_path).resolve()
    release = Path(release).resolve() if release is not None else None
    nb = read_notebook(notebook_path)
    meta = nb.metadata.get(NOTEBOOK_METADATA_KEY)
    aid = meta.get("assignment") if isinstance(meta, dict) else None
    aid = aid or (released_id(release) if release else None)
    if not aid:
        raise UserError(f"{notebook_path}: names no assignment; pass the release folder")
    shell = InteractiveShell.instance()
    shell.reset(new_session=False)
    with contextlib.chdir(notebook_path.parent):
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for cell in code_cells(nb):
                shell.run_cell(cell.source, store_history=False, silent=True)
        check, _ = enable_checks(aid, folder=release, namespace=shell.user_ns)
        start = time.perf_counter()
        report = check(question)
        elapsed = time.perf_counter() - start
    if report is None:
        raise UserError("self-check is off in a grading worker (AUTOGRADER_WORKER is set)")
    if report.problem:
        raise UserError(f"{notebook_path}: check({question!r}) did not run: {report.problem}")
    return elapsed
