"""Generate the demo's sample submissions from an assignment's source notebook.

    python -m autograder.demo.samples gradient_descent [--root .] [--out demo/submissions]

Writes demo/submissions/<id>/ as Moodle's "download all submissions" would unpack it (one
folder `Full Name_<participant>_assignsubmission_file_` per student) and the grading worksheet
CSV with the trusted submission times. The students: correct ones, typical mistakes (from
MISTAKES below, defined per assignment by replacing a function), a partial and an untouched
stub, a late one, one who packaged with `autograder submit` (a zip whose manifest claims to be
someone else), a broken upload, and a hostile one that patches numpy.testing, looks for the
hidden tests and kills its own interpreter, under a name made of HTML and a spreadsheet formula.
Each typed an answer to the manual questions (markdown cells marked `"autograder": {"answer":
...}`) as fits them: the model answer, a vague one (WEAK_ANSWERS), half of it, none (the stub),
or markup and a formula (the hostile one), so the TA's queue has answers of every kind.
Rerun it whenever an assignment changes; a mistake whose function no longer exists is skipped
with a note. This is an instructor tool: nothing here goes into a student release.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sys
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import nbformat

from ..authoring.definitions import replace_definition
from ..authoring.release import student_notebook
from ..authoring.solutions import BEGIN, END
from ..authoring.solved import notebook_bytes, solved_notebook
from ..course import CourseRepo
from ..notebook import answer_mark

WORKSHEET = "grading_worksheet.csv"
MOODLE = "moodle"
HOSTILE_NAME = '=HYPERLINK("http://example.invalid") <script>alert(1)</script>'  # worksheet
HOSTILE_FOLDER_NAME = "=1+2 <img src=x onerror=alert(1)>"  # a folder name cannot hold "/"

# Typical mistakes, per assignment: label -> {function name: replacement definition}.
MISTAKES: dict[str, dict[str, dict[str, str]]] = {
    "squares": {
        "sums x instead of its squares": {
            "total": "def total(x):\n    return float(np.sum(x))\n"},
        "returns a list, not an array": {
            "square": "def square(x):\n    return [float(v) ** 2 for v in x]\n"},
    },
    "gradient_descent": {
        "sigmoid overflows for large |z|": {
            "sigmoid": "def sigmoid(z):\n    z = np.asarray(z, dtype=float)\n"
                       "    return 1.0 / (1.0 + np.exp(-z))\n"},
        "MSE gradient without the 1/N": {
            "linreg_grad": "def linreg_grad(w, b, X, y):\n    X = np.asarray(X, dtype=float)\n"
                           "    r = X @ np.asarray(w, dtype=float) + b - np.asarray(y, dtype=float)\n"
                           "    return X.T @ r, float(np.sum(r))\n"},
    },
    "spectrogram_features": {
        "symmetric instead of periodic window": {
            "hann_window": "def hann_window(n, periodic=True):\n    return np.hanning(int(n))\n"},
        "dB without the top_db floor": {
            "power_to_db": "def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):\n"
                           "    S = np.abs(np.asarray(S))\n"
                           "    return 10.0 * np.log10(np.maximum(amin, S) / ref)\n"},
    },
    "convolutions": {
        "correlation without flipping (convolve1d)": {
            "convolve1d": "def convolve1d(x, h, mode=\"full\"):\n"
                          "    return np.correlate(np.asarray(x, float), np.asarray(h, float), "
                          "mode=mode)\n"},
    },
}

# What a student who half understood writes, per manual question.
WEAK_ANSWERS: dict[str, str] = {
    "lr_divergence": "The learning rate is too big, so gradient descent jumps over the minimum "
                     "and cannot come back. A smaller learning rate fixes it.",
    "window_spectrum": "The periodic window is better because it is periodic. The symmetric one "
                       "ends differently, so its spectrum looks a bit different.",
    "cnn_confusions": "The network confuses a few classes because it did not train long enough; "
                      "with more epochs the matrix would be diagonal.",
}
HOSTILE_ANSWER = ('<script>alert("ta")</script> =HYPERLINK("http://example.invalid") '
                  "<img src=x onerror=alert(1)> It diverges because the step is too large.")

HOSTILE_CELLS = (
    "# 'Make every test pass'\nimport numpy.testing as npt\n"
    "npt.assert_allclose = lambda *args, **kwargs: None\n"
    "npt.assert_array_equal = lambda *args, **kwargs: None\n",
    "# Look for the hidden tests and anything else readable\nimport glob, os\n"
    "found = [p for depth in range(1, 5) for p in glob.glob('/*' * depth + '/tests/hidden/*.py')]\n"
    "print('hidden tests found:', found)\nprint('environment:', sorted(os.environ))\n",
    "# Leave before anyone can look\nimport os\nos._exit(0)\n",
)


@dataclass
class Sample:
    full_name: str  # as the worksheet shows it
    participant: str
    file_name: str
    data: bytes
    submitted: datetime | None  # None: the worksheet shows "-"
    label: str


def partial_notebook(repo: CourseRepo, assignment_id: str) -> nbformat.NotebookNode:
    """The second half of the solution cells left as the released stubs."""
    nb = solved_notebook(repo, assignment_id)
    stub = {str(c.get("id")): c.source for c in student_notebook(repo.source(assignment_id)).cells}
    solved = [c for c in nb.cells if c.cell_type == "code" and c.source != stub.get(str(c.get("id")))]
    for cell in solved[len(solved) // 2:]:
        cell.source = stub[str(cell.get("id"))]
    return nb


def model_answers(repo: CourseRepo, assignment_id: str) -> dict[str, str]:
    """Question -> the model answer of its markdown answer cell (between the solution markers)."""
    source = nbformat.read(repo.source(assignment_id).notebook, as_version=4)
    return {answer_mark(c): "\n".join(line for line in c.source.splitlines()
                                       if line.strip() not in (BEGIN, END)).strip()
            for c in source.cells if c.cell_type == "markdown" and answer_mark(c)}


def answered(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """`nb` with each markdown answer cell of a question in `answers` holding that answer."""
    for cell in nb.cells:
        question = answer_mark(cell)
        if cell.cell_type == "markdown" and question in answers:
            cell.source = answers[question]
    return nb


def half(text: str) -> str:
    """The first half of an answer's sentences: an answer left unfinished."""
    sentences = text.replace("\n", " ").split(". ")
    return ". ".join(sentences[:max(1, len(sentences) // 2)]) + " ..."


def submit_zip(notebook: bytes, name: str, assignment_id: str, claimed: str) -> bytes:
    """A zip as `autograder submit` makes it, with a manifest that claims a student id."""
    buffer = io.BytesIO()
    manifest = {"assignment": assignment_id, "student": claimed, "notebook": name,
                "created_at": "2001-01-01T00:00:00+00:00"}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, notebook)
        archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()


def samples(repo: CourseRepo, assignment_id: str, notes: list[str]) -> list[Sample]:
    due = repo.config.deadline(assignment_id)
    name = f"{assignment_id}.ipynb"
    model = model_answers(repo, assignment_id)
    weak = {q: WEAK_ANSWERS.get(q, half(text)) for q, text in model.items()}
    good = notebook_bytes(answered(solved_notebook(repo, assignment_id), model))
    out = [
        Sample("Ada Lovelace", "1001", name, good, due - timedelta(days=2, hours=3), "correct"),
        Sample("Alan Turing", "1002", name, good, due - timedelta(minutes=20), "correct"),
    ]
    participant = 1003
    people = iter(["Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"])
    for label, replacements in MISTAKES.get(assignment_id, {}).items():
        nb = answered(solved_notebook(repo, assignment_id), weak)
        missing = [f for f, src in replacements.items() if not replace_definition(nb, f, src)]
        if missing:
            notes.append(f"{assignment_id}: mistake {label!r} skipped: no {', '.join(missing)}")
            continue
        person = next(people, f"Student {participant}")
        out.append(Sample(person, str(participant), name, notebook_bytes(nb),
                          due - timedelta(hours=5), f"mistake: {label}"))
        participant += 1
    stub = notebook_bytes(student_notebook(repo.source(assignment_id)))
    out += [
        Sample("Claude Shannon", "1101", name, notebook_bytes(answered(
                   partial_notebook(repo, assignment_id), {q: half(a) for q, a in model.items()})),
               due - timedelta(hours=1), "partial: the second half left unfinished"),
        Sample("Hedy Lamarr", "1102", name, stub, due - timedelta(days=1), "untouched stub"),
        Sample("Katherine Johnson", "1103", name, good, due + timedelta(days=1, hours=3),
               "late (2 days, after the grace period)"),
        Sample("John von Neumann", "1104", f"1104_{assignment_id}.zip",
               submit_zip(good, name, assignment_id, "1001"),
               due - timedelta(hours=2), "zip from `autograder submit` claiming to be 1001"),
        Sample("Niklaus Wirth", "1105", f"{assignment_id}.zip", b"this is not a zip file\n",
               due - timedelta(hours=4), "broken upload"),
    ]
    hostile = answered(solved_notebook(repo, assignment_id), dict.fromkeys(model, HOSTILE_ANSWER))
    hostile.cells += [nbformat.v4.new_code_cell(src) for src in HOSTILE_CELLS]
    for index, cell in enumerate(hostile.cells):
        cell.id = cell.get("id") or f"hostile-{index}"
    out.append(Sample(HOSTILE_NAME, "1106", name, notebook_bytes(hostile), due - timedelta(hours=6),
                      "hostile: patches numpy.testing, hunts hidden tests, os._exit"))
    out.append(Sample("Alonzo Church", "1107", "", b"", None, "no submission"))
    return out


def answers_note(repo: CourseRepo, assignment_id: str) -> str:
    """What SAMPLES.md says of the answers to the manual questions, if the assignment has any."""
    questions = ", ".join(model_answers(repo, assignment_id))
    if not questions:
        return ""
    return (f"\nAnswers to the manual questions ({questions}): the model answer from the correct, "
            "late and zip students; a vague one from each mistake (a TA takes points off); half "
            "of the model answer from the partial one; none from the stub; markup and a "
            "spreadsheet formula from the hostile one (shown escaped, never run).\n")


def moodle_time(moment: datetime, zone) -> str:
    local = moment.astimezone(zone)
    return f"{local:%A}, {local.day} {local:%B %Y}, {local:%I:%M %p}"


def write_samples(repo: CourseRepo, assignment_id: str, out: Path) -> list[Sample]:
    from zoneinfo import ZoneInfo

    notes: list[str] = []
    made = samples(repo, assignment_id, notes)
    target = out / assignment_id
    if target.exists():
        shutil.rmtree(target)
    (target / MOODLE).mkdir(parents=True)
    zone = ZoneInfo(repo.config.course.timezone)
    rows = []
    for s in made:
        if s.submitted is not None:
            shown = s.full_name if "/" not in s.full_name else HOSTILE_FOLDER_NAME
            folder = target / MOODLE / f"{shown}_{s.participant}_assignsubmission_file_"
            folder.mkdir()
            (folder / s.file_name).write_bytes(s.data)
        rows.append({"Identifier": f"Participant {s.participant}", "Full name": s.full_name,
                     "Email address": f"p{s.participant}@example.invalid",
                     "Status": "Submitted for grading" if s.submitted else "No submission",
                     "Grade": "", "Maximum Grade": f"{repo.config.assignment(assignment_id).max_score:g}",
                     "Grade can be changed": "Yes",
                     "Last modified (submission)": moodle_time(s.submitted, zone) if s.submitted else "-",
                     "Online text": "", "Last modified (grade)": "-", "Feedback comments": ""})
    with (target / WORKSHEET).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (target / "SAMPLES.md").write_text(
        f"# Sample submissions for {assignment_id}\n\nGenerated by "
        f"`python -m autograder.demo.samples {assignment_id}`; do not edit by hand.\n\n"
        + "".join(f"- {s.participant}: {s.label}\n" for s in made) + answers_note(repo, assignment_id))
    for note in notes:
        print(note, file=sys.stderr)
    return made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the demo's sample submissions.")
    parser.add_argument("assignments", nargs="+")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    repo = CourseRepo(args.root.resolve())
    out = args.out or Path(__file__).resolve().parents[2] / "demo" / "submissions"
    for aid in args.assignments:
        made = write_samples(repo, aid, out)
        print(f"{aid}: {len(made)} samples in {out / aid}")


if __name__ == "__main__":
    main()
