"""The example course with a manual question: a markdown answer and a plotted code answer."""

from __future__ import annotations

import nbformat
import yaml

from autograder.course import CourseRepo

QUESTION = "explain"
RUBRIC = {"points": 2, "manual": True,
          "rubric": [{"id": "why", "points": 2, "description": "Says why squares grow fast"},
                     {"id": "plot", "points": 1, "description": "The plot shows the curve"},
                     {"id": "wrong", "points": -1, "description": "A wrong claim"}]}
PLOT_CELL = ("import matplotlib.pyplot as plt\n"
             "plt.plot([square(i) for i in range(5)])\n"
             "print('squares plotted')")
MODEL_ANSWER = "### BEGIN SOLUTION\nSquares grow *quadratically*.\n### END SOLUTION"


def add_manual_question(repo: CourseRepo, answer_text: str = MODEL_ANSWER) -> None:
    """Declare `explain` in the course's config and mark two answer cells in its notebook."""
    path = repo.root / "grading_config.yaml"
    data = yaml.safe_load(path.read_text())
    data["assignments"]["squares"]["questions"][QUESTION] = RUBRIC
    path.write_text(yaml.safe_dump(data))
    notebook = repo.root / "source" / "squares" / "squares.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    code = nbformat.v4.new_code_cell(PLOT_CELL)
    text = nbformat.v4.new_markdown_cell(answer_text)
    for cell, cell_id in ((code, "explain-plot"), (text, "explain-text")):
        cell.id = cell_id
        cell.metadata["autograder"] = {"answer": QUESTION}
    nb.cells += [code, text]
    nbformat.write(nb, notebook)
