"""Submissions the tool's own tests grade, built from the example course (not from the demo's
samples, which change with the demo): the reference, a typical mistake, a hostile notebook, and a
zip as `autograder submit` makes it."""

from __future__ import annotations

import io
import json
import zipfile

import nbformat

from autograder.authoring.definitions import replace_definition
from autograder.authoring.solved import notebook_bytes, solved_notebook
from autograder.course import CourseRepo

__all__ = ["HOSTILE_CELLS", "good_bytes", "notebook_bytes", "solved_notebook", "submit_zip",
           "wrong_notebook"]

# squares: `total` sums x instead of its squares (fails a public and a hidden test)
SUMS_X = {"total": "def total(x):\n    return float(np.sum(x))\n"}

HOSTILE_CELLS = (
    "# 'Make every test pass'\nimport numpy.testing as npt\n"
    "npt.assert_allclose = lambda *args, **kwargs: None\n"
    "npt.assert_array_equal = lambda *args, **kwargs: None\n",
    "# Look for the hidden tests\nimport glob\n"
    "found = [p for depth in range(1, 5) for p in glob.glob('/*' * depth + '/tests/hidden/*.py')]\n"
    "print('hidden tests found:', found)\n",
    "# Leave before anyone can look\nimport os\nos._exit(0)\n",
)


def good_bytes(course: CourseRepo) -> bytes:
    return notebook_bytes(solved_notebook(course, "squares"))


def wrong_notebook(course: CourseRepo) -> nbformat.NotebookNode:
    nb = solved_notebook(course, "squares")
    for name, source in SUMS_X.items():
        assert replace_definition(nb, name, source), f"no definition of {name}"
    return nb


def submit_zip(notebook: bytes, name: str, assignment_id: str, claimed: str) -> bytes:
    """A zip shaped like `autograder submit`'s, whose manifest claims a student id."""
    buffer = io.BytesIO()
    manifest = {"assignment": assignment_id, "student": claimed, "notebook": name}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, notebook)
        archive.writestr("manifest.json", json.dumps(manifest))
    return buffer.getvalue()
