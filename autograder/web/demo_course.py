"""The demo course opened for uploads today (`make serve`).

`make demo` grades sample submissions made before the course's due dates, and those dates pass;
someone trying the app then signs in as a made-up demo student and finds every upload refused.
So the made-up students get extensions that move their deadlines to a week from now. The
extensions live in a scratch copy of grading_config.yaml inside the demo's workspace (beside
links to the course's source/ and release/), which the server and its grading batches use as
their course: the real grading_config.yaml, and the sample students' deadlines and late
penalties, stay as they are.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import yaml

from ..course import CONFIG_NAME, CourseRepo
from ..demo import MARKER
from ..gradebook.models import now

SCRATCH = "demo-course"  # the scratch course, inside the demo's workspace
LINKED = ("source", "release")


def is_demo_workspace(workspace: Path) -> bool:
    return (workspace / MARKER).is_file()


def open_demo_course(course: CourseRepo, students: list[str],
                     days: float = 7.0) -> tuple[CourseRepo, str]:
    """(the scratch course, the line announcing it): `students`' deadlines of every assignment
    due before `days` from now move to then."""
    target = now() + timedelta(days=days)
    data = yaml.safe_load((course.root / CONFIG_NAME).read_text(encoding="utf-8"))
    extensions = [ext for ext in data.get("extensions") or [] if ext["student"] not in students]
    for aid in course.config.assignments:
        extra = (target - course.config.deadline(aid)).total_seconds() / 86400
        if extra > 0:
            extensions += [{"student": sid, "assignment": aid, "days": round(extra, 6)}
                           for sid in students]
    data["extensions"] = extensions
    root = course.workspace / SCRATCH
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True),
                                    encoding="utf-8")
    for name in LINKED:
        link, real = root / name, (course.root / name).resolve()
        if real.exists() and not link.is_symlink():
            link.symlink_to(real, target_is_directory=True)
    line = (f"demo: due dates moved to {target:%Y-%m-%d %H:%M %Z} for {', '.join(students)} "
            f"(extensions in {root / CONFIG_NAME}; {course.root / CONFIG_NAME} is untouched)")
    return CourseRepo(root, course.workspace), line
