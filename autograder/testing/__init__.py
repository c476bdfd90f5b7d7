"""What assignment tests import.

    import pytest
    from autograder.testing import question, assert_close

    pytestmark = question("stft")            # every test in this file belongs to `stft`

    def test_shape(student):                  # `student` is the notebook, behind the boundary
        S = student.stft(np.zeros(4096), n_fft=512)
        assert_close(S, reference, rtol=1e-5, what="stft(y, n_fft=512)")

A test's points are its question's points (grading_config.yaml) shared by weight among the
question's tests: `@question("stft", weight=2)` counts twice.

A test declares what the functions it calls build on, `@builds_on("hann_window", "frame_signal")`
on an stft test: when hann_window's own tests fail too, the feedback tells the student to fix
hann_window first instead of reporting every stft, mel and mfcc failure as a separate mistake.

A test that checks a property rather than values (inputs left unchanged, dtype, shape,
determinism) is marked `@property_test`: it earns its points only when every value test of the
functions it calls passed, so a function that returns a constant or its input earns nothing.

A reference that depends only on the test's fixed inputs is decorated `@reference`: computed
once per grading process instead of once per submission, its arrays read-only.

Students see a hidden test's name, question, points and pass/fail only; its failure message
(which usually holds expected values) is for staff, unless the test is marked `@safe_message`.
"""

from __future__ import annotations

import pytest

from .assertions import assert_close, assert_scalar, assert_unchanged
from .reference import reference
from .student import ForbiddenCallError, Handle, MissingName, StudentError, StudentProxy

property_test = pytest.mark.property_test


def builds_on(*functions: str) -> pytest.MarkDecorator:
    """Mark a test (or a file) whose tested functions use these notebook functions."""
    return pytest.mark.builds_on(*functions)
safe_message = pytest.mark.safe_message


def question(name: str, weight: float = 1.0) -> pytest.MarkDecorator:
    """Mark a test (or, as `pytestmark`, a whole file) as part of a question."""
    return pytest.mark.question(name, weight=weight)


__all__ = [
    "ForbiddenCallError",
    "Handle",
    "MissingName",
    "StudentProxy",
    "StudentError",
    "assert_close",
    "assert_scalar",
    "assert_unchanged",
    "builds_on",
    "property_test",
    "question",
    "reference",
    "safe_message",
]
